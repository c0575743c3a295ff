"""The guarded client (core.fetch) against a loopback server and a fake resolver: H2–H5, H8, R1–R3, R9."""

import asyncio
import importlib.metadata
import re
import socket
import time
import tracemalloc
from collections.abc import Coroutine
from email.utils import formatdate
from typing import Any

import aiohttp
import pytest
from packaging.version import Version
from yarl import URL

from core import fetch as fetch_module
from core.fetch import (
    DEFAULT_ACCEPT,
    BlockedURL,
    Fetcher,
    FetchError,
    FetchResult,
    GuardedResolver,
    fetch_many,
    fetch_one,
    guarded_socket,
    parse_retry_after,
)
from core.tests.conftest import (
    BLOCKED_LITERAL_HOSTS,
    FEED_ETAG,
    FEED_LAST_MODIFIED,
    FEED_XML,
    FakeResolver,
    LoopbackServer,
    Tripwire,
    TripwireError,
    echo_json,
    run,
)

pytestmark = pytest.mark.usefixtures("tripwire")

MiB = 1 << 20


async def get(url: str, *, resolver: FakeResolver | None = None, **options: Any) -> FetchResult:
    """One fetch with a fresh Fetcher; `options` go to Fetcher except the validators and Accept."""
    request = {key: options.pop(key) for key in ("etag", "last_modified", "accept") if key in options}
    async with Fetcher(resolver=resolver or FakeResolver(), **options) as fetcher:
        return await fetcher.fetch(url, **request)


def fetch_error(url: str, **options: Any) -> FetchError:
    with pytest.raises(FetchError) as caught:
        run(get(url, **options))
    return caught.value


def outcome_of(scenario: Coroutine[Any, Any, FetchResult]) -> FetchResult | FetchError:
    try:
        return run(scenario)
    except FetchError as error:
        return error


@pytest.fixture
def body_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Sizes of every chunk the client read from a response body (to prove where reading stopped)."""
    sizes: list[int] = []
    real_read = aiohttp.StreamReader.read

    async def read(self: aiohttp.StreamReader, n: int = -1) -> bytes:
        data = await real_read(self, n)
        sizes.append(len(data))
        return data

    monkeypatch.setattr(aiohttp.StreamReader, "read", read)
    return sizes


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the happy path and the switch that lets loopback through --------------------------------------------------


def test_fetches_feed_from_allowed_loopback_server(feed_server: LoopbackServer) -> None:
    result = run(get(feed_server.url("/feed")))
    assert result.status == 200
    assert result.body == FEED_XML
    assert result.url == feed_server.url("/feed")
    assert result.content_type == "application/rss+xml"
    assert result.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert (result.etag, result.last_modified) == (FEED_ETAG, FEED_LAST_MODIFIED)


def test_loopback_refused_without_the_allow_setting(
    loopback_server: LoopbackServer, settings, tripwire: Tripwire
) -> None:
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = []
    loopback_server.reset()
    resolver = FakeResolver()
    for url in [
        loopback_server.url("/feed"),
        loopback_server.url("/feed", host="blog.test"),
        loopback_server.url("/feed", host="[::1]"),
        loopback_server.url("/feed", host="localhost"),
    ]:
        error = fetch_error(url, resolver=resolver)
        assert isinstance(error, BlockedURL)
        assert error.kind == "blocked"
    assert resolver.calls == {"blog.test": 1}
    assert tripwire.attempts == []
    assert loopback_server.hits["/feed"] == 0


def test_allow_setting_entries_by_hostname_and_by_host_port(loopback_server: LoopbackServer, settings) -> None:
    loopback_server.reset()
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = ["blog.test"]
    assert run(get(loopback_server.url("/feed", host="blog.test"))).body == FEED_XML
    with pytest.raises(BlockedURL):
        run(get(loopback_server.url("/feed")))  # the name is allowed, not the address behind it

    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = [f"127.0.0.1:{loopback_server.port}"]
    assert run(get(loopback_server.url("/feed"))).status == 200
    with pytest.raises(BlockedURL):
        run(get(loopback_server.raw_url("/lying")))  # same address, another port
    assert loopback_server.hits["raw:/lying"] == 0


def test_default_resolver_is_used_and_closed_for_literal_addresses(feed_server: LoopbackServer) -> None:
    # fetch_one builds its own Fetcher with aiohttp's resolver; a literal address never reaches DNS.
    result = fetch_one(feed_server.url("/feed"))
    assert result.body == FEED_XML


# --- SSRF ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", BLOCKED_LITERAL_HOSTS)
def test_H2_literal_blocked_forms_rejected_before_connect(
    host: str, loopback_server: LoopbackServer, settings, tripwire: Tripwire
) -> None:
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = []
    resolver = FakeResolver({})
    error = fetch_error(f"http://{host}/feed", resolver=resolver)
    assert isinstance(error, BlockedURL)
    assert error.message.startswith("This address can't be fetched")
    assert not resolver.calls
    assert tripwire.attempts == []


@pytest.mark.parametrize("name", ["mixed.test", "aaaa.test", "evil.test", "metadata.test", "nat64.test"])
def test_H3_mixed_dns_answer_refused(name: str, feed_server: LoopbackServer, tripwire: Tripwire) -> None:
    resolver = FakeResolver()
    error = fetch_error(f"http://{name}/feed", resolver=resolver)
    assert isinstance(error, BlockedURL)
    assert resolver.calls[name] == 1
    # Refused as a whole: not even the public address in the mixed answer was tried.
    assert tripwire.attempts == []


def test_H4_rebinding_refused_at_connect(feed_server: LoopbackServer, tripwire: Tripwire) -> None:
    resolver = FakeResolver()
    # Someone (a form, an earlier check) looked the name up and saw a public address...
    first = run(resolver.resolve("rebind.test", 80))
    assert [answer["host"] for answer in first] == ["93.184.216.34"]
    # ...but the fetch resolves again at connect time and judges what it would actually connect to.
    error = fetch_error(feed_server.url("/feed", host="rebind.test"), resolver=resolver)
    assert isinstance(error, BlockedURL)
    assert resolver.calls["rebind.test"] == 2
    assert tripwire.ports_to("127.0.0.2") == []


def test_H4_socket_guard_holds_even_without_the_resolver_check(
    feed_server: LoopbackServer, tripwire: Tripwire, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unchecked(self: GuardedResolver, host: str, port: int = 0, family: Any = socket.AF_INET) -> Any:
        return await self._inner.resolve(host, port, family)

    monkeypatch.setattr(GuardedResolver, "resolve", unchecked)
    resolver = FakeResolver({"rebind.test": ["127.0.0.2"], "evil.test": ["10.0.0.1"]})
    for name in ["rebind.test", "evil.test"]:
        error = fetch_error(feed_server.url("/feed", host=name), resolver=resolver)
        assert isinstance(error, BlockedURL)
    assert tripwire.attempts == []

    with pytest.raises(OSError, match="outbound policy"):
        guarded_socket((socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", 80)))
    guarded_socket((socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80))).close()


@pytest.mark.parametrize(
    ("status", "location"),
    [
        (302, "http://evil.test/"),
        (301, "http://metadata.test/latest/meta-data/"),
        (307, "http://mixed.test/feed"),
        (308, "http://10.0.0.1/"),
        (302, "http://169.254.169.254/latest/meta-data/"),
        (302, "http://[::1]/"),
        (302, "http://2130706433/"),
        (302, "http://[::ffff:127.0.0.1]/"),
        (302, "file:///etc/passwd"),
        (302, "gopher://evil.test/_x"),
        (302, "http://user@blog.test/"),
        (303, "//evil.test/feed"),
    ],
)
def test_H5_redirect_to_private_refused(
    status: int, location: str, feed_server: LoopbackServer, tripwire: Tripwire
) -> None:
    url = str(URL(feed_server.url("/redirect")).with_query(to=location, status=str(status)))
    error = fetch_error(url)
    assert isinstance(error, BlockedURL)
    assert feed_server.hits["/redirect"] == 1
    assert {port for _host, port in tripwire.attempts} <= {feed_server.port}


def test_H5_relative_redirect_followed_and_final_url_reported(feed_server: LoopbackServer) -> None:
    url = str(URL(feed_server.url("/redirect")).with_query(to="/feed"))
    result = run(get(url))
    assert (result.status, result.body, result.url) == (200, FEED_XML, feed_server.url("/feed"))


def test_H5_too_many_redirects(feed_server: LoopbackServer) -> None:
    error = fetch_error(feed_server.url("/chain/6"))
    assert (error.kind, error.message) == ("too_many_redirects", "Too many redirects.")
    assert feed_server.hits["/chain/0"] == 0
    assert sum(feed_server.hits.values()) == 6
    result = run(get(feed_server.url("/chain/5")))  # five hops is within the limit
    assert result.url == feed_server.url("/chain/0")


def test_H5_redirect_loop(feed_server: LoopbackServer) -> None:
    async def scenario() -> tuple[FetchError, FetchResult]:
        async with Fetcher(resolver=FakeResolver()) as fetcher:
            with pytest.raises(FetchError) as caught:
                await fetcher.fetch(feed_server.url("/loop/a"))
            # The same worker carries on with the next feed.
            return caught.value, await fetcher.fetch(feed_server.url("/feed"))

    error, after = run(scenario())
    assert error.kind == "too_many_redirects"
    assert "loop" in error.message
    assert (feed_server.hits["/loop/a"], feed_server.hits["/loop/b"]) == (1, 1)
    assert after.status == 200


def test_H6_userinfo_and_backslash_refused(feed_server: LoopbackServer, settings) -> None:
    port = feed_server.port
    for url in [
        f"http://user@127.0.0.1:{port}/feed",
        f"http://blog.test@127.0.0.1:{port}/feed",
        f"http://127.0.0.1:{port}\\@evil.test/feed",
        f"http://evil.test\\@127.0.0.1:{port}/feed",
    ]:
        assert isinstance(fetch_error(url), BlockedURL)
    assert feed_server.hits["/feed"] == 0

    # The parsed, lower-cased host is the one checked, resolved and connected to.
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = ["blog.test"]
    resolver = FakeResolver()
    result = run(get(f"http://BLOG.Test:{port}/feed", resolver=resolver))
    assert result.url == f"http://blog.test:{port}/feed"
    assert resolver.calls == {"blog.test": 1}


_DETAIL = re.compile(r"\d+\.\d+\.\d+\.\d+|\[?[0-9a-f]*::|:\d+|\d+\s*ms\b|errno|hunter2|upstream", re.IGNORECASE)


def test_H8_error_message_has_no_detail(feed_server: LoopbackServer) -> None:
    port = feed_server.port
    failures: dict[str, tuple[str, dict[str, Any]]] = {
        "blocked literal": (f"http://10.0.0.1:{port}/", {}),
        "blocked name": (f"http://evil.test:{port}/", {}),
        "blocked redirect": (str(URL(feed_server.url("/redirect")).with_query(to="http://10.0.0.1:8080/")), {}),
        "no such name": ("http://nowhere.test/", {}),
        "refused": (f"http://127.0.0.1:{closed_port()}/", {}),
        "500 with internal body": (feed_server.url("/status/500"), {}),
        "404": (feed_server.url("/status/404"), {}),
        "429": (feed_server.url("/status/429?after=30"), {}),
        "too large": (feed_server.url("/big/correct?size=5000"), {"max_bytes": 4096}),
        "timeout": (feed_server.url("/slow-redirect?delay=2"), {"timeout": 0.2}),
    }
    kinds = {}
    for label, (url, options) in failures.items():
        error = fetch_error(url, **options)
        kinds[label] = error.kind
        assert error.message, label
        assert not _DETAIL.search(error.message), (label, error.message)
        assert str(port) not in error.message
    assert kinds == {
        "blocked literal": "blocked",
        "blocked name": "blocked",
        "blocked redirect": "blocked",
        "no such name": "network",
        "refused": "network",
        "500 with internal body": "http",
        "404": "http",
        "429": "retry_later",
        "too large": "too_large",
        "timeout": "timeout",
    }


@pytest.mark.parametrize(
    ("code", "message"),
    [(404, "The server said 404 Not Found."), (410, "The server said 410 Gone."), (599, "The server said 599.")],
)
def test_http_errors_in_words(code: int, message: str, feed_server: LoopbackServer) -> None:
    error = fetch_error(feed_server.url(f"/status/{code}"))
    assert (error.kind, error.status, error.message) == ("http", code, message)


# --- resource limits -------------------------------------------------------------------------------------------


def test_R1_body_over_cap_with_correct_content_length(feed_server: LoopbackServer, body_reads: list[int]) -> None:
    cap = 10 * MiB  # the FETCH_MAX_BYTES default
    error = fetch_error(feed_server.url(f"/big/correct?size={cap + 1}"))
    assert (error.kind, error.message) == ("too_large", "The feed is larger than 10 MB.")
    assert sum(body_reads) == 0  # refused on the header, nothing read


def test_R1_body_exactly_at_cap_accepted(feed_server: LoopbackServer) -> None:
    assert len(run(get(feed_server.url(f"/big/correct?size={MiB}"), max_bytes=MiB)).body) == MiB
    assert len(run(get(feed_server.url(f"/big/chunked?size={MiB}"), max_bytes=MiB)).body) == MiB


def test_R1_body_over_cap_without_content_length(feed_server: LoopbackServer, body_reads: list[int]) -> None:
    error = fetch_error(feed_server.url("/big/chunked"))  # 64 MiB, chunked, no Content-Length
    assert error.kind == "too_large"
    assert sum(body_reads) == 10 * MiB + 1  # stopped at cap + 1 bytes read


def test_R1_close_delimited_body_over_cap(feed_server: LoopbackServer, body_reads: list[int]) -> None:
    error = fetch_error(feed_server.raw_url("/close-delimited"), max_bytes=MiB)
    assert error.kind == "too_large"
    assert sum(body_reads) == MiB + 1


def test_R1_lying_content_length_never_read_past(feed_server: LoopbackServer, body_reads: list[int]) -> None:
    # The server says 1000 bytes and then pours out 4 MiB. aiohttp either hands over the 1000 bytes the framing
    # promised or, when the junk arrives with the head, refuses the garbled response; it never reads past.
    outcome = outcome_of(get(feed_server.raw_url("/lying"), max_bytes=MiB))
    if isinstance(outcome, FetchError):
        assert outcome.kind == "network"
    else:
        assert len(outcome.body) == 1000
    assert sum(body_reads) <= 1000


def _peak_during(scenario: Coroutine[Any, Any, FetchResult]) -> tuple[FetchResult | FetchError, int, float]:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        outcome = outcome_of(scenario)
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return outcome, peak, elapsed


@pytest.mark.parametrize("path", ["/bomb/gzip", "/bomb/double"])
def test_R2_gzip_bomb_aborts_fast_with_bounded_memory(path: str, feed_server: LoopbackServer) -> None:
    assert len(feed_server.double_bomb) < 10_000  # a few KB that inflate (gzip, gzip) to 1 GiB
    error, peak, elapsed = _peak_during(get(feed_server.url(path)))
    assert isinstance(error, FetchError)
    assert error.kind == "too_large"
    assert peak < 64 * MiB, f"peak {peak / MiB:.0f} MiB"
    assert elapsed < 5


@pytest.mark.parametrize("codings", ["gzip,gzip,gzip,gzip,gzip,gzip", "gzip,deflate,gzip", "deflate,gzip,gzip"])
def test_R2_more_than_two_content_encodings_refused(codings: str, feed_server: LoopbackServer) -> None:
    error = fetch_error(feed_server.url(f"/encodings?codings={codings}"))
    assert error.kind == "encoding"
    assert error.message == "The server sent the feed with too many layers of compression."


def test_R2_bomb_in_redirect_body_is_never_decoded(feed_server: LoopbackServer, body_reads: list[int]) -> None:
    result, peak, elapsed = _peak_during(get(feed_server.url("/bomb/redirect")))
    assert isinstance(result, FetchResult)
    assert (result.status, result.body) == (200, FEED_XML)
    assert sum(body_reads) == len(FEED_XML)  # the 302's body was not even read
    assert peak < 16 * MiB
    assert elapsed < 2


def test_R2_urllib3_at_least_2_7() -> None:
    # urllib3 arrives through a dev dependency (reader → requests); 2.7 fixes the decompression-chain CVEs.
    assert Version(importlib.metadata.version("urllib3")) >= Version("2.7")


@pytest.mark.parametrize("coding", ["gz", "deflate", "rawdeflate", "twice"])
def test_R2_compressed_feeds_decoded(coding: str, feed_server: LoopbackServer) -> None:
    assert run(get(feed_server.url(f"/feed.{coding}"))).body == FEED_XML


@pytest.mark.parametrize("coding", ["br", "broken"])
def test_R2_unreadable_compression_refused(coding: str, feed_server: LoopbackServer) -> None:
    assert fetch_error(feed_server.url(f"/feed.{coding}")).kind == "encoding"


def test_R3_slow_drip_deadline(feed_server: LoopbackServer) -> None:
    async def scenario() -> tuple[FetchError, float, FetchResult]:
        async with Fetcher(resolver=FakeResolver(), timeout=1.0, concurrency=1, per_host=1) as fetcher:
            started = time.perf_counter()
            with pytest.raises(FetchError) as caught:
                await fetcher.fetch(feed_server.url("/drip"))
            elapsed = time.perf_counter() - started
            # The only worker slot was freed: the next fetch goes through.
            return caught.value, elapsed, await fetcher.fetch(feed_server.url("/feed"))

    error, elapsed, after = run(scenario())
    assert (error.kind, error.message) == ("timeout", "The site didn't answer within 1 second.")
    assert 0.9 < elapsed < 2
    assert after.status == 200


def test_R3_deadline_covers_redirects_and_body(feed_server: LoopbackServer) -> None:
    started = time.perf_counter()
    error = fetch_error(feed_server.url("/slow-redirect?delay=0.6"), timeout=1.0)  # 0.6 s hop, then the drip
    elapsed = time.perf_counter() - started
    assert error.kind == "timeout"
    assert elapsed < 1.5


def test_R9_retry_after_per_host(feed_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(fetch_module, "_now", lambda: clock[0])

    async def scenario() -> None:
        async with Fetcher(resolver=FakeResolver()) as fetcher:
            with pytest.raises(FetchError) as caught:
                await fetcher.fetch(feed_server.url("/status/429?after=120"))
            assert (caught.value.kind, caught.value.retry_after, caught.value.status) == ("retry_later", 120, 429)

            clock[0] += 30
            with pytest.raises(FetchError) as caught:
                await fetcher.fetch(feed_server.url("/feed"))  # same host: not even asked
            assert (caught.value.kind, caught.value.retry_after) == ("retry_later", 90)
            assert feed_server.hits["/feed"] == 0

            other_host = await fetcher.fetch(feed_server.url("/feed", host="blog.test"))
            assert other_host.status == 200

            clock[0] += 91
            assert (await fetcher.fetch(feed_server.url("/feed"))).status == 200

    run(scenario())
    assert feed_server.hits["/status/429"] == 1


def test_R9_503_with_http_date_and_without_retry_after(feed_server: LoopbackServer) -> None:
    when = formatdate(time.time() + 60, usegmt=True)
    url = str(URL(feed_server.url("/status/503")).with_query(after=when))

    async def scenario() -> None:
        async with Fetcher(resolver=FakeResolver()) as fetcher:
            with pytest.raises(FetchError) as caught:
                await fetcher.fetch(url)
            assert caught.value.kind == "retry_later"
            assert caught.value.retry_after is not None
            assert 55 < caught.value.retry_after <= 60

        async with Fetcher(resolver=FakeResolver()) as fetcher:
            with pytest.raises(FetchError) as caught:
                await fetcher.fetch(feed_server.url("/status/503"))
            assert (caught.value.kind, caught.value.retry_after) == ("retry_later", None)
            assert (await fetcher.fetch(feed_server.url("/feed"))).status == 200  # nothing to remember

    run(scenario())


def test_parse_retry_after() -> None:
    from datetime import UTC, datetime

    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after(" 5 ") == 5
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now=now) == 30
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0
    assert parse_retry_after("99999999") == 24 * 60 * 60
    for unusable in [None, "", "soon", "-5", "1.5e3"]:
        assert parse_retry_after(unusable) is None


# --- protocol manners ------------------------------------------------------------------------------------------


def test_conditional_get_returns_304_with_empty_body(feed_server: LoopbackServer) -> None:
    url = feed_server.url("/feed")
    by_etag = run(get(url, etag=FEED_ETAG))
    by_date = run(get(url, last_modified=FEED_LAST_MODIFIED))
    stale = run(get(url, etag='"v0"'))
    assert (by_etag.status, by_etag.body, by_etag.etag) == (304, b"", FEED_ETAG)
    assert (by_date.status, by_date.body) == (304, b"")
    assert (stale.status, stale.body) == (200, FEED_XML)
    # A validator that would smuggle a header is dropped, not sent.
    assert run(get(url, etag=f"{FEED_ETAG}\r\nX-Evil: 1")).status == 200


def test_request_headers_no_cookies_no_proxy_from_environment(
    feed_server: LoopbackServer, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.FETCH_USER_AGENT = "CommonplaceTest/1.0 (+http://testserver/)"
    for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"]:
        monkeypatch.setenv(name, "http://10.9.9.9:3128")  # the tripwire fails the test if this is used

    async def scenario() -> tuple[dict[str, str], dict[str, str]]:
        async with Fetcher(resolver=FakeResolver()) as fetcher:
            first = await fetcher.fetch(feed_server.url("/echo"))
            second = await fetcher.fetch(feed_server.url("/echo"))
        return echo_json(first.body), echo_json(second.body)

    first, second = run(scenario())
    assert first["user-agent"] == "CommonplaceTest/1.0 (+http://testserver/)"
    assert first["accept"] == DEFAULT_ACCEPT
    assert first["accept-encoding"] == "gzip, deflate"
    assert "cookie" not in second  # the Set-Cookie of the first answer was not kept


def test_concurrency_bounded_per_host_and_overall(feed_server: LoopbackServer) -> None:
    async def burst(urls: list[str], *, concurrency: int = 64, per_host: int = 4) -> int:
        feed_server.reset()
        async with Fetcher(resolver=FakeResolver(), concurrency=concurrency, per_host=per_host) as fetcher:
            results = await asyncio.gather(*(fetcher.fetch(url) for url in urls))
        assert all(result.status == 200 for result in results)
        return feed_server.max_in_flight

    one_host = [feed_server.url("/slow")] * 8
    two_hosts = one_host[:4] + [feed_server.url("/slow", host="blog.test")] * 4
    assert run(burst(one_host, per_host=2)) == 2
    assert run(burst(two_hosts, concurrency=3, per_host=10)) == 3


def test_fetch_many_returns_results_and_errors_in_order(feed_server: LoopbackServer) -> None:
    requests = [
        (feed_server.url("/feed"), "", ""),
        (feed_server.url("/status/404"), "", ""),
        ("http://10.0.0.1/feed", "", ""),
        (feed_server.url("/feed"), FEED_ETAG, ""),
    ]
    outcomes = run(fetch_many(requests, resolver=FakeResolver()))
    assert [getattr(outcome, "status", None) for outcome in outcomes] == [200, 404, None, 304]
    assert [type(outcome) for outcome in outcomes] == [FetchResult, FetchError, BlockedURL, FetchResult]


def test_fetcher_must_be_entered() -> None:
    with pytest.raises(RuntimeError):
        run(Fetcher().fetch("http://example.com/"))


def test_tripwire_stops_non_loopback_connects_before_they_happen(tripwire: Tripwire) -> None:
    # 192.0.2.1 is TEST-NET-1 (documentation only), in case the tripwire itself were broken.
    with socket.socket() as sock:
        sock.setblocking(False)
        with pytest.raises(TripwireError):
            sock.connect(("192.0.2.1", 9))
        with pytest.raises(TripwireError):
            sock.connect_ex(("192.0.2.1", 9))

        async def via_loop() -> None:
            await asyncio.get_running_loop().sock_connect(sock, ("192.0.2.1", 9))

        with pytest.raises(TripwireError):
            run(via_loop())
    assert len(tripwire.violations) == 3
    tripwire.violations.clear()
