"""A loopback blog server for harvest tests and journeys: pages and feeds served from a dict, with ETags and 304s."""

import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Page:
    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class BlogServer:
    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[str] = []
        handler = self._handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: str | bytes, **kwargs: object) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.pages[path] = Page(data, **kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append(self.path)
                page = server.pages.get(self.path)
                if page is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                etag = '"' + hashlib.sha256(page.body).hexdigest()[:16] + '"'
                if page.status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(page.status)
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(page.body)))
                if page.status == 200:
                    self.send_header("ETag", etag)
                for name, value in page.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(page.body)

        return Handler


def rss(*items: str, title: str = "Maria's classroom", link: str = "https://maria.example/") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>{link}</link><description>Notes</description>"
        + "".join(items)
        + "</channel></rss>"
    )


def item(
    guid: str,
    title: str,
    *,
    categories: tuple[str, ...] = (),
    body: str = "<p>Some thoughts.</p>",
    date: str = "Mon, 23 Nov 2026 10:00:00 +0000",
    link: str | None = None,
) -> str:
    cats = "".join(f"<category>{c}</category>" for c in categories)
    link = link or f"https://maria.example/{guid}"
    return (
        f"<item><guid>{guid}</guid><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate>{cats}"
        f"<description><![CDATA[{body}]]></description></item>"
    )
