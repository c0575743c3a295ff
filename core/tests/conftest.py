"""Fixtures for outbound-fetch tests: a connect tripwire, a fake resolver and a loopback feed server."""

import asyncio
import asyncio.selector_events
import functools
import gzip
import ipaddress
import json
import socket
import struct
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

LOOPBACK_NETWORKS = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
PUBLIC_IP = "93.184.216.34"

FEED_XML = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Maria's classroom notes</title>
<link>http://blog.test/</link><description>Week 1</description>
<item><title>What is innovation?</title><link>http://blog.test/1</link></item>
</channel></rss>
"""
FEED_ETAG = '"v1"'
FEED_LAST_MODIFIED = "Wed, 01 Jan 2025 00:00:00 GMT"
SECRET_BODY = "db password=hunter2 at 10.0.0.5:5432"

# Every textual form of a non-public literal host (H2), as it would appear in a URL.
BLOCKED_LITERAL_HOSTS = [
    "127.0.0.1",
    "127.0.0.1:8080",
    "2130706433",
    "0x7f000001",
    "0x7F000001",
    "127.1",
    "127.0.1",
    "0177.0.0.1",
    "0177.1",
    "0x7f.0.0.1",
    "127.0.0.1.",
    "0",
    "0.0.0.0",  # noqa: S104 (an address to refuse, not a bind)
    "10.0.0.1",
    "012.0.0.1",
    "167772161",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "2852039166",
    "100.64.0.1",
    "192.0.0.1",
    "192.0.2.1",
    "198.18.0.1",
    "198.51.100.7",
    "203.0.113.9",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "[::]",
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::ffff:169.254.169.254]",
    "[::127.0.0.1]",
    "[64:ff9b::a9fe:a9fe]",
    "[64:ff9b::169.254.169.254]",
    "[64:ff9b::7f00:1]",
    "[64:ff9b:1::a9fe:a9fe]",
    "[2002:a9fe:a9fe::]",
    "[2002:7f00:1::1]",
    "[2001::1]",
    "[2001:db8::1]",
    "[100::1]",
    "[fc00::1]",
    "[fd12:3456::1]",
    "[fe80::1]",
    "[fe80::1%25eth0]",
    "[fec0::1]",
    "[ff02::1]",
    "fec0::1",
    "::1",
    "localhost",
    "LOCALHOST",
    "feeds.localhost",
]


def run[T](coro: Coroutine[Any, Any, T]) -> T:
    """Run one async scenario (pytest-asyncio isn't used; this keeps tests plain and pytest-django friendly)."""
    return asyncio.run(coro)


# --- tripwire ------------------------------------------------------------------------------------------------


class TripwireError(AssertionError):
    """A test tried to connect somewhere other than loopback."""


class Tripwire:
    """Records every connect; refuses (and remembers) any that isn't to 127.0.0.0/8 or ::1."""

    def __init__(self) -> None:
        self.attempts: list[tuple[str, int]] = []
        self.violations: list[Any] = []

    def check(self, address: Any) -> None:
        if isinstance(address, str | bytes):
            return  # AF_UNIX: never leaves the machine
        host, port = str(address[0]), int(address[1])
        self.attempts.append((host, port))
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            ip = None  # a name: we never connect by name, so treat it as a violation
        if ip is None or not any(ip in net for net in LOOPBACK_NETWORKS):
            self.violations.append(address)
            raise TripwireError(f"connect() to a non-loopback address in a test: {address!r}")

    def ports_to(self, host: str) -> list[int]:
        return [port for attempt_host, port in self.attempts if attempt_host == host]


@pytest.fixture
def tripwire(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tripwire]:
    """Fail the test on any connect() to a non-loopback address (sync sockets and the asyncio loop alike)."""
    wire = Tripwire()
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_sock_connect = asyncio.selector_events.BaseSelectorEventLoop.sock_connect

    def connect(self: socket.socket, address: Any) -> None:
        wire.check(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        wire.check(address)
        return real_connect_ex(self, address)

    async def sock_connect(self: Any, sock: socket.socket, address: Any) -> None:
        wire.check(address)
        await real_sock_connect(self, sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(asyncio.selector_events.BaseSelectorEventLoop, "sock_connect", sock_connect)
    yield wire
    assert not wire.violations, f"the test tried to leave loopback: {wire.violations!r}"


# --- fake resolver -------------------------------------------------------------------------------------------

type Answer = list[str] | Callable[[int], list[str]]


def _rebinding(call: int) -> list[str]:
    # Public for the first lookup (the "check"), loopback for every later one (the "connect").
    return [PUBLIC_IP] if call == 1 else ["127.0.0.2"]


DEFAULT_ANSWERS: dict[str, Answer] = {
    "evil.test": ["10.0.0.1"],
    "metadata.test": ["169.254.169.254"],
    "mixed.test": [PUBLIC_IP, "10.0.0.1"],
    "aaaa.test": ["::"],
    "nat64.test": ["64:ff9b::a9fe:a9fe"],
    "rebind.test": _rebinding,
    "blog.test": ["127.0.0.1"],
    "public.test": [PUBLIC_IP],
}


class FakeResolver(AbstractResolver):
    """Answers from a table, counting lookups per name; unknown names fail like NXDOMAIN."""

    def __init__(self, answers: dict[str, Answer] | None = None) -> None:
        self.answers = dict(DEFAULT_ANSWERS if answers is None else answers)
        self.calls: Counter[str] = Counter()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.calls[host] += 1
        answer = self.answers.get(host)
        if answer is None:
            raise OSError(socket.EAI_NONAME, "Name or service not known")
        ips = answer(self.calls[host]) if callable(answer) else answer
        return [
            {
                "hostname": host,
                "host": ip,
                "port": port,
                "family": socket.AF_INET6 if ":" in ip else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for ip in ips
        ]

    async def close(self) -> None:
        return None


@pytest.fixture
def fake_resolver() -> FakeResolver:
    return FakeResolver()


# --- bombs ---------------------------------------------------------------------------------------------------


def gzip_bomb(decoded_bytes: int = 1 << 30, block: int = 1 << 20) -> bytes:
    """A well-formed gzip of `decoded_bytes` zeros (~1 MB for 1 GiB), built without compressing 1 GiB.

    After a full flush deflate's state is reset, so the compressed form of one zero block repeats verbatim.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(block)
    segment = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    blocks = decoded_bytes // block
    crc = 0
    for _ in range(blocks):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    trailer = struct.pack("<II", crc, (blocks * block) & 0xFFFFFFFF)
    return header + segment * blocks + compressor.flush(zlib.Z_FINISH) + trailer


# --- loopback server -----------------------------------------------------------------------------------------


class LoopbackServer:
    """An aiohttp app and a raw TCP server on 127.0.0.1, in a background thread for the whole session."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self.port = 0
        self.raw_port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="loopback-feed-server", daemon=True)
        self._runner: web.AppRunner | None = None
        self._raw: asyncio.Server | None = None

    @functools.cached_property
    def bomb(self) -> bytes:
        """~1 MB of gzip that decodes to 1 GiB."""
        return gzip_bomb()

    @functools.cached_property
    def double_bomb(self) -> bytes:
        """A few KB that decode (gzip, gzip) to 1 GiB."""
        return gzip.compress(self.bomb, compresslevel=9)

    def url(self, path: str, *, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def raw_url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.raw_port}{path}"

    def reset(self) -> None:
        self.hits.clear()
        self.in_flight = self.max_in_flight = 0

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/feed", self.feed)
        app.router.add_get("/feed.{coding}", self.encoded_feed)
        app.router.add_get("/echo", self.echo)
        app.router.add_get("/redirect", self.redirect)
        app.router.add_get("/chain/{n}", self.chain)
        app.router.add_get("/loop/{name}", self.loop)
        app.router.add_get("/big/{kind}", self.big)
        app.router.add_get("/bomb/{kind}", self.bomb_handler)
        app.router.add_get("/encodings", self.encodings)
        app.router.add_get("/drip", self.drip)
        app.router.add_get("/slow-redirect", self.slow_redirect)
        app.router.add_get("/slow", self.slow)
        app.router.add_get("/status/{code}", self.status)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._raw = await asyncio.start_server(self.raw, "127.0.0.1", 0)
        self.raw_port = self._raw.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        if self._raw is not None:
            self._raw.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def _count(self, request: web.Request) -> None:
        self.hits[request.path] += 1

    async def feed(self, request: web.Request) -> web.Response:
        self._count(request)
        headers = {"ETag": FEED_ETAG, "Last-Modified": FEED_LAST_MODIFIED}
        if (
            request.headers.get("If-None-Match") == FEED_ETAG
            or request.headers.get("If-Modified-Since") == FEED_LAST_MODIFIED
        ):
            return web.Response(status=304, headers=headers)
        return web.Response(body=FEED_XML, content_type="application/rss+xml", charset="utf-8", headers=headers)

    async def encoded_feed(self, request: web.Request) -> web.Response:
        self._count(request)
        coding = request.match_info["coding"]
        bodies = {
            "gz": ("gzip", gzip.compress(FEED_XML)),
            "deflate": ("deflate", zlib.compress(FEED_XML)),
            "rawdeflate": ("deflate", zlib.compress(FEED_XML, wbits=-15)),
            "twice": ("gzip, gzip", gzip.compress(gzip.compress(FEED_XML))),
            "br": ("br", b"\x0b\x02\x80not really brotli"),
            "broken": ("gzip", gzip.compress(FEED_XML)[:-20]),
        }
        encoding, body = bodies[coding]
        return web.Response(body=body, headers={"Content-Encoding": encoding, "Content-Type": "application/rss+xml"})

    async def echo(self, request: web.Request) -> web.Response:
        self._count(request)
        response = web.json_response(dict(request.headers))
        response.set_cookie("session", "abc123")
        return response

    async def redirect(self, request: web.Request) -> web.Response:
        self._count(request)
        return web.Response(status=int(request.query.get("status", "302")), headers={"Location": request.query["to"]})

    async def chain(self, request: web.Request) -> web.Response:
        self._count(request)
        n = int(request.match_info["n"])
        if n == 0:
            return web.Response(body=FEED_XML, content_type="application/rss+xml")
        return web.Response(status=301, headers={"Location": f"/chain/{n - 1}"})

    async def loop(self, request: web.Request) -> web.Response:
        self._count(request)
        other = "b" if request.match_info["name"] == "a" else "a"
        return web.Response(status=302, headers={"Location": f"/loop/{other}"})

    async def big(self, request: web.Request) -> web.StreamResponse:
        """`correct`: honest Content-Length; `chunked`: none, streamed until the client hangs up."""
        self._count(request)
        size = int(request.query.get("size", str(64 << 20)))
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        if request.match_info["kind"] == "correct":
            response.content_length = size
        await response.prepare(request)
        chunk = b"<" * (64 << 10)
        sent = 0
        try:
            while sent < size:
                piece = chunk[: size - sent]
                await response.write(piece)
                sent += len(piece)
            await response.write_eof()
        except (ConnectionError, RuntimeError):
            pass
        return response

    async def bomb_handler(self, request: web.Request) -> web.Response:
        self._count(request)
        kind = request.match_info["kind"]
        if kind == "gzip":
            return web.Response(body=self.bomb, headers={"Content-Encoding": "gzip"})
        if kind == "double":
            return web.Response(body=self.double_bomb, headers={"Content-Encoding": "gzip, gzip"})
        # kind == "redirect": the bomb rides in a 302 body that a careless client would decode.
        return web.Response(status=302, body=self.bomb, headers={"Content-Encoding": "gzip", "Location": "/feed"})

    async def encodings(self, request: web.Request) -> web.Response:
        self._count(request)
        codings = request.query["codings"].split(",")
        body = FEED_XML
        for coding in codings:
            body = gzip.compress(body) if coding.strip() == "gzip" else zlib.compress(body)
        return web.Response(body=body, headers={"Content-Encoding": ", ".join(codings)})

    async def drip(self, request: web.Request) -> web.StreamResponse:
        """One byte a second, for up to a minute: a client without a total deadline would sit here."""
        self._count(request)
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        try:
            for _ in range(60):
                await response.write(b"<")
                await asyncio.sleep(1)
        except (ConnectionError, RuntimeError):
            pass
        return response

    async def slow_redirect(self, request: web.Request) -> web.Response:
        self._count(request)
        await asyncio.sleep(float(request.query.get("delay", "0.6")))
        return web.Response(status=302, headers={"Location": "/drip"})

    async def slow(self, request: web.Request) -> web.Response:
        self._count(request)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.05)
        finally:
            self.in_flight -= 1
        return web.Response(body=FEED_XML, content_type="application/rss+xml")

    async def status(self, request: web.Request) -> web.Response:
        self._count(request)
        code = int(request.match_info["code"])
        headers = {}
        if "after" in request.query:
            headers["Retry-After"] = request.query["after"]
        # An internal-looking reason and body that must never reach the person (H8).
        return web.Response(status=code, reason="Upstream 10.0.0.5:5432 said no", text=SECRET_BODY, headers=headers)

    async def raw(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Responses aiohttp.web won't send: a lying Content-Length, and a body delimited only by closing."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            self.hits[f"raw:{path}"] += 1
            if path == "/lying":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 1000\r\n\r\n")
                total = 4 << 20
            else:  # "/close-delimited": no Content-Length, no chunking, ends when the server closes
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nConnection: close\r\n\r\n")
                total = 64 << 20
            chunk = b"<" * (64 << 10)
            for _ in range(total // len(chunk)):
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()


@pytest.fixture(scope="session")
def loopback_server() -> Iterator[LoopbackServer]:
    server = LoopbackServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def feed_server(loopback_server: LoopbackServer, settings: Any) -> LoopbackServer:
    """The loopback server, let through the guard by the explicit setting (off by default)."""
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = ["127.0.0.1"]
    loopback_server.reset()
    return loopback_server


def echo_json(body: bytes) -> dict[str, str]:
    return {key.lower(): value for key, value in json.loads(body).items()}
