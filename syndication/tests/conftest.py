"""Fixtures for syndication tests: the loopback blog server, and a tripwire against leaving loopback."""

import socket
from collections.abc import Iterator

import pytest

from .blogserver import BlogServer


@pytest.fixture
def blog_server(settings) -> Iterator[BlogServer]:
    server = BlogServer()
    server.thread.start()
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = [f"127.0.0.1:{server.port}"]
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tripwire: any connection to a non-loopback address fails the test (the guard must not be what keeps
    tests on loopback)."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def check(address: object) -> None:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and not (str(host).startswith("127.") or host in {"::1", "localhost"}):
            pytest.fail(f"Tried to connect outside loopback: {address!r}")

    def connect(self: socket.socket, address: object) -> None:
        check(address)
        return real_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        check(address)
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
