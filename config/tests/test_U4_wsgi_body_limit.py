"""U4 at the WSGI server: granian, which serves `make run`, has no body-size option, so the limit is the WSGI
entry's own. A Content-Length over MAX_REQUEST_BYTES is refused with 413 before a byte is read
(core.middleware.RequestSizeLimitMiddleware), and a body sent without one (chunked) is never read: Django reads
at most the declared length."""

import io
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


class _Tripwire(io.RawIOBase):
    """A request body that fails the test if anything reads past its first `allowed` bytes."""

    def __init__(self, allowed: int) -> None:
        self.allowed, self.read_so_far = allowed, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.read_so_far += len(buffer)
        assert self.read_so_far <= self.allowed, "the body was read past what the request declared"
        buffer[:] = b"\xff" * len(buffer)
        return len(buffer)


@pytest.mark.parametrize("declared", ["", "50000000"])
def test_U4_at_the_wsgi_server_a_body_is_never_read_past_the_limit(settings, declared: str) -> None:
    """The WSGI entry itself, as granian calls it (granian has no body-size option): a Content-Length over
    MAX_REQUEST_BYTES is refused with 413 before a byte is read, and a body sent without one (chunked) is
    read as empty: Django reads at most the declared length."""
    from config.wsgi import application

    settings.MAX_REQUEST_BYTES = 10_000
    body = _Tripwire(allowed=0)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/accounts/signup/",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BufferedReader(body),
        "wsgi.errors": io.StringIO(),
        "CONTENT_TYPE": "multipart/form-data; boundary=x",
        "HTTP_TRANSFER_ENCODING": "chunked" if not declared else "",
        "CONTENT_LENGTH": declared,
    }
    answered: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], *rest: Any) -> Callable[[bytes], object]:
        answered.append(status)
        return lambda data: None

    chunks = application(environ, start_response)
    b"".join(chunks)
    assert body.read_so_far == 0
    if declared:
        assert answered[0].startswith("413")
    else:
        assert answered[0][:3] in ("200", "400", "403")  # the form again, or CSRF: nothing was uploaded
