"""Fixtures for chat tests: a scheduled chat, and a loopback web server for link titles."""

import datetime as dt
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from accounts.models import User
from chats import services
from chats.models import Chat, ChatMode, ChatVisibility
from courses.models import Course

QUESTIONS = [
    "What does innovation mean in your classroom?",
    "Which idea from chapter 2 will you try this week?",
    "Who will you share it with?",
]


def plan(**changes: object) -> services.ChatPlan:
    fields: dict[str, object] = {
        "title": "Week 1 chat",
        "starts_at": timezone.now() + dt.timedelta(hours=1),
        "mode": ChatMode.LIVE,
        "interval": 10,
        "visibility": ChatVisibility.PUBLIC,
        "questions": list(QUESTIONS),
    }
    fields.update(changes)
    return services.ChatPlan(**fields)  # type: ignore[arg-type]


@pytest.fixture
def chat(course: Course, george: User) -> Chat:
    """A live chat that started 5 minutes ago: Q1 is due, Q2 and Q3 come at minutes 10 and 20."""
    return services.schedule_chat(
        course=course, actor=george, plan=plan(starts_at=timezone.now() - dt.timedelta(minutes=5))
    )


class Pages:
    """A loopback web server serving fixed pages (anything else is a 404)."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, bytes]] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                content_type, body = pages.get(self.path, ("text/plain", b""))
                self.send_response(200 if self.path in pages else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]

    def serve(self, path: str, body: str, content_type: str = "text/html; charset=utf-8") -> str:
        self.pages[path] = (content_type, body.encode())
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def web(settings) -> Iterator[Pages]:
    server = Pages()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = [f"127.0.0.1:{server.port}"]
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()
