"""The one guarded outbound HTTP client: every server-side fetch (feeds, link titles) goes through `Fetcher`."""

import asyncio
import contextvars
import socket
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from types import TracebackType
from typing import Any, Final, Self

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from django.conf import settings
from multidict import CIMultiDictProxy
from yarl import URL

from core.netguard import (
    PRIVATE_MESSAGE,
    BlockedURL,
    FetchError,
    FetchErrorKind,
    ParsedURL,
    address_permitted,
    check_url,
)

__all__ = [
    "DEFAULT_ACCEPT",
    "BlockedURL",
    "FetchError",
    "FetchErrorKind",
    "FetchResult",
    "Fetcher",
    "GuardedResolver",
    "check_url",
    "fetch_many",
    "fetch_one",
    "guarded_socket",
    "parse_retry_after",
]

DEFAULT_ACCEPT: Final = (
    "application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.5, */*;q=0.1"
)
REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
RETRY_LATER_STATUSES: Final = frozenset({429, 503})
# urllib3 CVE-2025-66418: an unbounded chain of Content-Encoding values is a decompression amplifier.
MAX_CONTENT_ENCODINGS: Final = 2
# A hostile Retry-After must not park a host for ever.
MAX_RETRY_AFTER_SECONDS: Final = 24 * 60 * 60.0
CHUNK_BYTES: Final = 64 * 1024
ACCEPT_ENCODING: Final = "gzip, deflate"
_CODING_ALIASES: Final = {"x-gzip": "gzip", "gzip": "gzip", "deflate": "deflate"}


def _now() -> float:
    """The Fetcher's clock for Retry-After bookkeeping (monotonic; tests replace it)."""
    return time.monotonic()


@dataclass(frozen=True)
class FetchResult:
    """A successful fetch. `status` is the final 2xx status or 304 (then `body` is empty).

    `url` is the final URL after redirects; `content_type` is the media type only, lower case
    (`application/rss+xml`), while `headers` keeps every response header under its lower-case
    name (repeated headers joined with ", "), so `headers["content-type"]` still has the charset.
    """

    url: str
    status: int
    body: bytes
    content_type: str
    etag: str
    last_modified: str
    headers: dict[str, str]


@dataclass
class _Hop:
    """The request being connected right now, so the socket guard knows which host an address serves."""

    host: str
    port: int
    refused: bool = False


# Set by `Fetcher` around each hop; tasks that aiohttp spawns while connecting inherit it.
_current_hop: contextvars.ContextVar[_Hop | None] = contextvars.ContextVar("commonplace_fetch_hop", default=None)


class _AddressRefused(OSError):
    """Raised inside aiohttp's connect path; turned into BlockedURL before anyone sees it."""

    def __init__(self) -> None:
        super().__init__("address refused by the outbound policy")


def guarded_socket(addr_info: tuple[Any, ...]) -> socket.socket:
    """TCPConnector `socket_factory`: refuse to create a socket for a non-public address unless allowed.

    This runs for every address aiohttp is about to connect to (after DNS, for literal IPs, on every
    redirect hop), so the address checked is the address used: DNS rebinding can't slip between the two.
    """
    family, type_, proto, _canonname, sockaddr = addr_info
    ip, port = str(sockaddr[0]), int(sockaddr[1])
    hop = _current_hop.get()
    if not address_permitted(hop.host if hop else None, port, ip):
        if hop is not None:
            hop.refused = True
        raise _AddressRefused
    return socket.socket(family, type_, proto)


class GuardedResolver(AbstractResolver):
    """Wraps a resolver and refuses the whole answer if any address in it is non-public and not allowed.

    A mixed answer (public and private) is refused outright rather than filtered, so a name can't be
    used to reach a private address by making the public one fail.
    """

    def __init__(self, inner: AbstractResolver, *, owns_inner: bool) -> None:
        self._inner = inner
        self._owns_inner = owns_inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await self._inner.resolve(host, port, family)
        if not answers:
            raise OSError("no addresses")
        for answer in answers:
            if not address_permitted(host, port, answer["host"]):
                raise _AddressRefused
        return answers

    async def close(self) -> None:
        if self._owns_inner:
            await self._inner.close()


def _size_words(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n // size} {unit}" if n % size == 0 else f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def _seconds_words(seconds: float) -> str:
    value = f"{seconds:g}"
    return f"{value} second" if value == "1" else f"{value} seconds"


def _status_words(status: int) -> str:
    # The server's own reason phrase is not shown: it is text the server chose (H8).
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), capped at a day; None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def _content_codings(headers: CIMultiDictProxy[str]) -> list[str]:
    """The Content-Encoding chain in the order the server applied it; refuses long or unknown chains."""
    codings = [
        coding.strip().lower()
        for value in headers.getall("Content-Encoding", [])
        for coding in value.split(",")
        if coding.strip() and coding.strip().lower() != "identity"
    ]
    if len(codings) > MAX_CONTENT_ENCODINGS:
        raise FetchError("The server sent the feed with too many layers of compression.", kind="encoding")
    if any(coding not in _CODING_ALIASES for coding in codings):
        raise FetchError("The server sent the feed in a compression format we can't read.", kind="encoding")
    return [_CODING_ALIASES[coding] for coding in codings]


def _too_large(limit: int) -> FetchError:
    return FetchError(f"The feed is larger than {_size_words(limit)}.", kind="too_large")


def _damaged() -> FetchError:
    return FetchError("The feed's compressed data is damaged.", kind="encoding")


class _Inflater:
    """One decoding stage (gzip or deflate) whose output is bounded per call and in total."""

    def __init__(self, coding: str, limit: int) -> None:
        self._coding = coding
        self._limit = limit
        self._pending = b""  # deflate: bytes held until we can tell zlib-wrapped from raw
        self._decompressor: Any = zlib.decompressobj(47) if coding == "gzip" else None
        self._seen_input = False
        self.total_out = 0

    def _start_deflate(self, data: bytes) -> bytes:
        data = self._pending + data
        if len(data) < 2:
            self._pending = data
            return b""
        self._pending = b""
        # RFC 9110 says zlib-wrapped; some servers send raw deflate. A zlib header has CM=8 and a checksum.
        wrapped = data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
        self._decompressor = zlib.decompressobj(15 if wrapped else -15)
        return data

    def decompress(self, data: bytes) -> bytes:
        if data:
            self._seen_input = True
        if self._decompressor is None:
            data = self._start_deflate(data)
            if self._decompressor is None:
                return b""
        parts: list[bytes] = []
        while data:
            # Never more than limit + 1 bytes of output per call, whatever the input expands to.
            budget = self._limit + 1 - self.total_out
            try:
                chunk = self._decompressor.decompress(data, budget)
            except zlib.error:
                raise _damaged() from None
            self.total_out += len(chunk)
            if self.total_out > self._limit or self._decompressor.unconsumed_tail:
                raise _too_large(self._limit)
            parts.append(chunk)
            data = b""
            if self._decompressor.eof:
                rest = self._decompressor.unused_data
                # A gzip body may hold several members; anything else after the end is ignored padding.
                if self._coding == "gzip" and rest.startswith(b"\x1f\x8b"):
                    self._decompressor = zlib.decompressobj(47)
                    data = rest
        return b"".join(parts)

    def finish(self) -> bytes:
        if not self._seen_input:
            return b""
        if self._decompressor is None:
            raise _damaged()
        try:
            out = self._decompressor.flush(self._limit + 1 - self.total_out)
        except zlib.error:
            raise _damaged() from None
        self.total_out += len(out)
        if self.total_out > self._limit:
            raise _too_large(self._limit)
        if not self._decompressor.eof:
            raise _damaged()
        return out


class _BodyDecoder:
    """Undo a Content-Encoding chain incrementally; every stage's output is capped at `limit` bytes."""

    def __init__(self, codings: list[str], limit: int) -> None:
        # Codings are listed in the order applied, so they are undone last first.
        self._stages = [_Inflater(coding, limit) for coding in reversed(codings)]

    def feed(self, data: bytes) -> bytes:
        for stage in self._stages:
            data = stage.decompress(data)
        return data

    def finish(self) -> bytes:
        data = b""
        for stage in self._stages:
            data = stage.decompress(data) + stage.finish()
        return data


def _header_dict(headers: CIMultiDictProxy[str]) -> dict[str, str]:
    result: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        result[key] = f"{result[key]}, {value}" if key in result else value
    return result


def _clean_validator(value: str) -> str:
    # Stored validators came from a server; a stray CR/LF must not become a header injection.
    return "" if any(char in value for char in "\r\n\0") else value.strip()


class Fetcher:
    """An async context manager owning one aiohttp session with the SSRF guard, size cap and deadline.

    Every connection is checked on the address actually connected to (socket factory) and every DNS
    answer as a whole (resolver wrapper); redirects are followed here, each hop re-checked. Settings
    (`FETCH_MAX_BYTES`, `FETCH_TIMEOUT_SECONDS`, `FETCH_USER_AGENT`, `COMMONPLACE_FETCH_ALLOW_HOSTS`)
    are read when the Fetcher is made, except the allow-list, read on each check. The total deadline
    starts when a fetch gets its slot (`concurrency` overall, `per_host` per host), not while it queues.
    """

    def __init__(
        self,
        *,
        max_bytes: int | None = None,
        timeout: float | None = None,
        max_redirects: int = 5,
        concurrency: int = 64,
        per_host: int | None = None,
        resolver: AbstractResolver | None = None,
        user_agent: str | None = None,
    ) -> None:
        self.max_bytes: int = max_bytes if max_bytes is not None else int(settings.FETCH_MAX_BYTES)
        self.timeout: float = timeout if timeout is not None else float(settings.FETCH_TIMEOUT_SECONDS)
        self.max_redirects = max_redirects
        self.user_agent: str = user_agent if user_agent is not None else str(settings.FETCH_USER_AGENT)
        self._concurrency = concurrency
        self._per_host = per_host or settings.FETCH_PER_HOST
        self._resolver = resolver
        self._session: aiohttp.ClientSession | None = None
        self._guarded_resolver: GuardedResolver | None = None
        self._slots = asyncio.Semaphore(concurrency)
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self._wait_until: dict[str, float] = {}

    async def __aenter__(self) -> Self:
        inner = self._resolver or aiohttp.DefaultResolver()
        self._guarded_resolver = GuardedResolver(inner, owns_inner=self._resolver is None)
        connector = aiohttp.TCPConnector(
            resolver=self._guarded_resolver,
            socket_factory=guarded_socket,
            limit=self._concurrency,
            limit_per_host=self._per_host,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
            auto_decompress=False,
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            headers={"User-Agent": self.user_agent},
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._guarded_resolver is not None:
            await self._guarded_resolver.close()
            self._guarded_resolver = None

    def _check_waiting(self, host: str) -> None:
        until = self._wait_until.get(host)
        if until is None:
            return
        remaining = until - _now()
        if remaining > 0:
            raise FetchError(
                "The server asked us to wait before trying again.", kind="retry_later", retry_after=remaining
            )
        del self._wait_until[host]

    async def fetch(
        self,
        url: str,
        *,
        etag: str = "",
        last_modified: str = "",
        accept: str = DEFAULT_ACCEPT,
        form: dict[str, str] | None = None,
    ) -> FetchResult:
        """GET `url` (following up to `max_redirects` redirects), conditionally if validators are given; with
        `form`, POST it form-encoded instead (an API call, e.g. Akismet: a redirect is refused, not followed).

        Raises FetchError (BlockedURL for refused addresses) with a `kind`: blocked, timeout, too_large,
        too_many_redirects, http, network, retry_later or encoding.
        """
        if self._session is None:
            raise RuntimeError("Use Fetcher as `async with Fetcher() as fetcher:`.")
        target = check_url(url)
        headers = {"Accept": accept, "Accept-Encoding": ACCEPT_ENCODING}
        if etag := _clean_validator(etag):
            headers["If-None-Match"] = etag
        if last_modified := _clean_validator(last_modified):
            headers["If-Modified-Since"] = last_modified
        self._check_waiting(target.host)
        host_slots = self._host_slots.setdefault(target.host, asyncio.Semaphore(self._per_host))
        async with self._slots, host_slots:
            self._check_waiting(target.host)  # another fetch may have been told to wait while we queued
            try:
                async with asyncio.timeout(self.timeout):
                    return await self._follow(self._session, target, headers, form)
            except TimeoutError:
                raise FetchError(
                    f"The site didn't answer within {_seconds_words(self.timeout)}.", kind="timeout"
                ) from None

    async def fetch_all(self, requests: Iterable[tuple[str, str, str]]) -> list[FetchResult | FetchError]:
        """Fetch (url, etag, last_modified) triples concurrently within the limits; failures come back in place."""

        async def one(url: str, etag: str, last_modified: str) -> FetchResult | FetchError:
            try:
                return await self.fetch(url, etag=etag, last_modified=last_modified)
            except FetchError as exc:
                return exc

        return list(await asyncio.gather(*(one(*request) for request in requests)))

    async def _follow(
        self,
        session: aiohttp.ClientSession,
        target: ParsedURL,
        headers: dict[str, str],
        form: dict[str, str] | None = None,
    ) -> FetchResult:
        visited = {str(target.url)}
        method = "GET" if form is None else "POST"
        for _ in range(self.max_redirects + 1):
            self._check_waiting(target.host)
            hop = _Hop(target.host, target.port)
            token = _current_hop.set(hop)
            try:
                async with session.request(
                    method, target.url, headers=headers, data=form, allow_redirects=False
                ) as resp:
                    if resp.status not in REDIRECT_STATUSES or form is not None:
                        return await self._finish(target, resp)
                    # The redirect body is never read: a bomb in a 302 costs nothing.
                    following = self._redirect_target(target, resp)
                    resp.close()
            except TimeoutError:
                raise  # aiohttp's own timeouts are ClientErrors too; `fetch` reports them as the deadline
            except aiohttp.ClientConnectorError as exc:
                raise _connect_error(exc, hop) from exc
            except aiohttp.ClientError as exc:
                raise _client_error(exc) from exc
            finally:
                _current_hop.reset(token)
            if str(following.url) in visited:
                raise FetchError("The address redirects in a loop.", kind="too_many_redirects")
            visited.add(str(following.url))
            target = following
        raise FetchError("Too many redirects.", kind="too_many_redirects")

    @staticmethod
    def _redirect_target(current: ParsedURL, resp: aiohttp.ClientResponse) -> ParsedURL:
        location = resp.headers.get("Location", "")
        try:
            joined = current.url.join(URL(location)) if location else None
        except (ValueError, TypeError):
            joined = None
        if joined is None:
            raise FetchError("The server sent a redirect we can't follow.", kind="http", status=resp.status)
        return check_url(str(joined))

    async def _finish(self, target: ParsedURL, resp: aiohttp.ClientResponse) -> FetchResult:
        status = resp.status
        if status in RETRY_LATER_STATUSES:
            retry_after = parse_retry_after(resp.headers.get("Retry-After"))
            if retry_after is not None:
                self._wait_until[target.host] = _now() + retry_after
            resp.close()
            raise FetchError(
                "The server asked us to wait before trying again.",
                kind="retry_later",
                retry_after=retry_after,
                status=status,
            )
        if status != 304 and not 200 <= status < 300:
            resp.close()
            raise FetchError(f"The server said {_status_words(status)}.", kind="http", status=status)
        body = b"" if status == 304 else await self._read_body(resp)
        headers = _header_dict(resp.headers)
        return FetchResult(
            url=str(target.url),
            status=status,
            body=body,
            content_type=headers.get("content-type", "").partition(";")[0].strip().lower(),
            etag=headers.get("etag", ""),
            last_modified=headers.get("last-modified", ""),
            headers=headers,
        )

    async def _read_body(self, resp: aiohttp.ClientResponse) -> bytes:
        limit = self.max_bytes
        try:
            codings = _content_codings(resp.headers)
            if resp.content_length is not None and resp.content_length > limit:
                raise _too_large(limit)
            decoder = _BodyDecoder(codings, limit)
            body = bytearray()
            raw = 0
            while chunk := await resp.content.read(min(CHUNK_BYTES, limit + 1 - raw)):
                # Count what arrives, whatever Content-Length said: stop at limit + 1 bytes read.
                raw += len(chunk)
                if raw > limit:
                    raise _too_large(limit)
                body += decoder.feed(chunk)
                if len(body) > limit:
                    raise _too_large(limit)
            body += decoder.finish()
            if len(body) > limit:
                raise _too_large(limit)
        except FetchError:
            resp.close()
            raise
        return bytes(body)


def _connect_error(exc: aiohttp.ClientConnectorError, hop: _Hop) -> FetchError:
    if hop.refused or isinstance(exc.os_error, _AddressRefused):
        return BlockedURL(PRIVATE_MESSAGE)
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return FetchError("The site's address couldn't be found.", kind="network")
    if isinstance(exc, aiohttp.ClientSSLError):
        return FetchError("The site's secure connection couldn't be verified.", kind="network")
    return FetchError("We couldn't connect to the site.", kind="network")


def _client_error(exc: aiohttp.ClientError) -> FetchError:
    if isinstance(exc, aiohttp.InvalidURL):
        return BlockedURL()
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return FetchError("The connection was cut off before the feed arrived.", kind="network")
    if isinstance(exc, aiohttp.ClientResponseError):
        return FetchError("The server sent a response we couldn't read.", kind="network")
    return FetchError("We couldn't fetch the address.", kind="network")


def fetch_one(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    accept: str = DEFAULT_ACCEPT,
    max_bytes: int | None = None,
    timeout: float | None = None,
    max_redirects: int = 5,
    resolver: AbstractResolver | None = None,
    user_agent: str | None = None,
    form: dict[str, str] | None = None,
) -> FetchResult:
    """Fetch one URL from synchronous code (a view or form test-fetching a blog); raises FetchError.
    With `form`, POST it form-encoded (see `Fetcher.fetch`).

    Runs its own event loop, so it must not be called from async code: use `Fetcher` there.
    """

    async def run() -> FetchResult:
        async with Fetcher(
            max_bytes=max_bytes, timeout=timeout, max_redirects=max_redirects, resolver=resolver, user_agent=user_agent
        ) as fetcher:
            return await fetcher.fetch(url, etag=etag, last_modified=last_modified, accept=accept, form=form)

    return asyncio.run(run())


async def fetch_many(
    requests: Iterable[tuple[str, str, str]],
    *,
    max_bytes: int | None = None,
    timeout: float | None = None,
    max_redirects: int = 5,
    concurrency: int = 64,
    per_host: int | None = None,
    resolver: AbstractResolver | None = None,
    user_agent: str | None = None,
) -> list[FetchResult | FetchError]:
    """Fetch (url, etag, last_modified) triples with one Fetcher; each result or FetchError in input order."""
    async with Fetcher(
        max_bytes=max_bytes,
        timeout=timeout,
        max_redirects=max_redirects,
        concurrency=concurrency,
        per_host=per_host,
        resolver=resolver,
        user_agent=user_agent,
    ) as fetcher:
        return await fetcher.fetch_all(requests)
