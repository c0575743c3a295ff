"""The URL and address policy (core.netguard): rows H1, H2, H6 and F3 of the security test list."""

import ipaddress

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from core.netguard import (
    BLOCKED_IPV4,
    BlockedURL,
    FetchError,
    address_permitted,
    allowed,
    check_url,
    is_blocked_ip,
    parse_ipv4_host,
)
from core.tests.conftest import BLOCKED_LITERAL_HOSTS

pytestmark = pytest.mark.usefixtures("tripwire")


@pytest.fixture(autouse=True)
def _no_allow_list(settings) -> None:
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = []


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/feed.xml",
        "gopher://example.com:70/_x",
        "data:application/rss+xml,<rss/>",
        "javascript:alert(1)",
        "feed://example.com/rss",
        "feed:https://example.com/rss",
        "example.com/feed",
        "//example.com/feed",
        "http:example.com",
        "http:/example.com/feed",
        "mailto:a@example.com",
        "",
    ],
)
def test_H1_only_http_and_https_accepted(url: str) -> None:
    with pytest.raises(BlockedURL) as caught:
        check_url(url)
    assert caught.value.kind == "blocked"
    assert caught.value.message.startswith("This address can't be fetched")


def test_H1_http_and_https_accepted_and_normalised() -> None:
    parsed = check_url("HTTPS://Blog.Example.COM/Feed?x=1#top")
    assert (parsed.scheme, parsed.host, parsed.port, parsed.ip) == ("https", "blog.example.com", 443, None)
    assert str(parsed) == "https://blog.example.com/Feed?x=1"
    assert check_url("http://example.com:8080/").port == 8080
    assert check_url("http://bücher.example/").host == "xn--bcher-kva.example"
    assert check_url("http://93.184.216.34/").ip == ipaddress.ip_address("93.184.216.34")


@pytest.mark.parametrize("host", BLOCKED_LITERAL_HOSTS)
def test_H2_literal_blocked_forms_refused_by_check_url(host: str) -> None:
    with pytest.raises(BlockedURL) as caught:
        check_url(f"http://{host}/feed")
    assert caught.value.message.startswith("This address can't be fetched")


@pytest.mark.parametrize(
    ("host", "ip"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("192.168.257", "192.168.1.1"),
        ("0", "0.0.0.0"),  # noqa: S104
        ("0x", "0.0.0.0"),  # noqa: S104
        ("93.184.216.34", "93.184.216.34"),
    ],
)
def test_H2_legacy_ipv4_forms_read_as_inet_aton_does(host: str, ip: str) -> None:
    assert parse_ipv4_host(host) == ipaddress.IPv4Address(ip)


@pytest.mark.parametrize("host", ["example.com", "blog.test", "0day.example", "1x.example"])
def test_H2_names_are_not_ipv4(host: str) -> None:
    assert parse_ipv4_host(host) is None


@pytest.mark.parametrize("host", ["1.2.3.4.5", "256.1.1.1", "09.1.1.1", "1.2.3.0x1ff", "example.123", "4294967296"])
def test_H2_malformed_numeric_hosts_refused(host: str) -> None:
    with pytest.raises(BlockedURL):
        check_url(f"http://{host}/")


def test_H2_public_literal_in_legacy_form_refused_too() -> None:
    # 93.184.216.34 as one number: public, but the connector must only ever see canonical forms.
    with pytest.raises(BlockedURL):
        check_url("http://1572395042/")


@pytest.mark.parametrize(
    "url",
    [
        "http://user@evil.test/",
        "http://user:pass@evil.test/",
        "http://public.example@10.0.0.1/",
        "http://@evil.test/",
        "http://:@evil.test/",
        "http://evil.test\\@good.example/",
        "http://good.example\\@evil.test/",
        "http://evil.test\\feed",
        "http://evil.test/path\\..\\x",
        "http://evil.test/a b",
        "http://evil.test/\tfeed",
        " http://evil.test/",
        "http://evil.test/\r\nX-Injected: 1",
        "http://evil.test%00.example/",
        "http://evil.test\u200b/",
        "http://evil..test/",
        "http://evil.test:0/",
        "http://evil.test:99999/",
        "http://evil.test:port/",
    ],
)
def test_H6_userinfo_backslash_and_odd_characters_refused(url: str) -> None:
    with pytest.raises(BlockedURL):
        check_url(url)


def test_H6_mixed_case_host_is_lowercased_and_that_host_is_checked(settings) -> None:
    parsed = check_url("http://EVIL.Test:8080/Feed")
    assert (parsed.host, parsed.port, str(parsed.url)) == ("evil.test", 8080, "http://evil.test:8080/Feed")
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = ["localhost"]
    assert check_url("http://LocalHost/").host == "localhost"


def test_H8_refusal_messages_name_no_address() -> None:
    for url in ["http://10.0.0.1:8080/", "http://[::ffff:169.254.169.254]/", "http://user@10.0.0.1/", "gopher://x/"]:
        with pytest.raises(FetchError) as caught:
            check_url(url)
        message = caught.value.message
        assert "10.0.0.1" not in message
        assert "169.254" not in message
        assert "8080" not in message
        assert "gopher" not in message


@pytest.mark.parametrize(
    "ip",
    [
        "0.0.0.0",  # noqa: S104
        "0.1.2.3",
        "10.0.0.1",
        "100.64.0.1",
        "100.127.255.254",
        "127.0.0.1",
        "127.255.255.254",
        "169.254.169.254",
        "172.16.0.1",
        "172.31.255.255",
        "192.0.0.9",
        "192.0.0.170",
        "192.0.2.1",
        "192.88.99.1",
        "192.168.0.1",
        "198.18.0.1",
        "198.19.255.255",
        "198.51.100.1",
        "203.0.113.1",
        "224.0.0.251",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "::127.0.0.1",
        "::8.8.8.8",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:0:808:808",
        "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b::a00:1",
        "64:ff9b:1::808:808",
        "100::1",
        "2001::1",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",
        "2001:db8::1",
        "2002:a9fe:a9fe::",
        "2002:808:808::1",
        "3fff::1",
        "fc00::1",
        "fdff::1",
        "fe80::1",
        "fe80::1%eth0",
        "fec0::1",
        "feff::1",
        "ff02::1",
        "ff0e::1",
        "not an address",
        "",
    ],
)
def test_is_blocked_ip_blocks_every_non_public_address(ip: str) -> None:
    assert is_blocked_ip(ip)


@pytest.mark.parametrize(
    "ip",
    ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2001:4860:4860::8888", "64:ff9b::808:808"],
)
def test_is_blocked_ip_lets_public_addresses_through(ip: str) -> None:
    # NAT64 of a public IPv4 is how IPv6-only networks reach IPv4 sites, so it must stay usable.
    assert not is_blocked_ip(ip)


def test_allow_list_matches_host_host_port_and_cidr(settings) -> None:
    assert not allowed("127.0.0.1", 8000, "127.0.0.1")
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = ["127.0.0.1"]
    assert allowed("127.0.0.1", 8000, "127.0.0.1")
    assert allowed("blog.test", 80, "127.0.0.1")
    assert not allowed("127.0.0.2", 8000, "127.0.0.2")
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = ["127.0.0.1:8000"]
    assert allowed("127.0.0.1", 8000, "127.0.0.1")
    assert not allowed("127.0.0.1", 8001, "127.0.0.1")
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = ["10.20.0.0/16", "[::1]:9000"]
    assert allowed("intranet.test", 443, "10.20.3.4")
    assert not allowed("intranet.test", 443, "10.21.3.4")
    assert allowed("::1", 9000, "::1")
    assert not allowed("::1", 9001, "::1")
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = ["Blog.Test", "feeds.test:8080"]
    assert allowed("blog.test", 80, "127.0.0.1")
    assert allowed("BLOG.TEST.", 80, "10.0.0.1")
    assert allowed("feeds.test", 8080, "127.0.0.1")
    assert not allowed("feeds.test", 80, "127.0.0.1")
    assert not allowed("evil.test", 80, "127.0.0.1")
    # An IPv4 entry never admits an IPv4-mapped IPv6 spelling of it.
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = ["127.0.0.1"]
    assert not address_permitted("x.test", 80, "::ffff:127.0.0.1")


def test_allow_list_is_read_at_call_time(settings) -> None:
    with pytest.raises(BlockedURL):
        check_url("http://127.0.0.1:8000/feed")
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = ["127.0.0.1"]
    assert check_url("http://127.0.0.1:8000/feed").ip == ipaddress.ip_address("127.0.0.1")


# --- F3: property test over every embedding of a blocked IPv4 ---------------------------------------------------


@st.composite
def blocked_ipv4(draw: st.DrawFn) -> ipaddress.IPv4Address:
    network = draw(st.sampled_from(BLOCKED_IPV4))
    offset = draw(st.integers(min_value=0, max_value=network.num_addresses - 1))
    return network[offset]


PART_STYLES = ("dec", "hex", "HEX", "oct")


def _part(value: int, style: str) -> str:
    if style == "dec":
        return str(value)
    if style == "oct":
        return f"0{value:o}"
    return f"0x{value:x}" if style == "hex" else f"0X{value:X}"


def _textual_ipv4_forms(ip: ipaddress.IPv4Address, styles: tuple[str, ...]) -> list[str]:
    a, b, c, d = ip.packed
    n = int(ip)
    s1, s2, s3, s4 = styles
    return [
        str(ip),
        str(n),
        f"0x{n:08x}",
        f"0{n:o}",
        f"{_part(a, s1)}.{_part(b, s2)}.{_part(c, s3)}.{_part(d, s4)}",
        f"{_part(a, s2)}.{_part(b, s3)}.{_part((c << 8) | d, s4)}",
        f"{_part(a, s3)}.{_part((b << 16) | (c << 8) | d, s1)}",
        f"{ip}.",
    ]


def _ipv6_embeddings(ip: ipaddress.IPv4Address, suffix: int) -> list[str]:
    n = int(ip)
    hi, lo = n >> 16, n & 0xFFFF
    teredo_client = n ^ 0xFFFFFFFF  # Teredo stores the client IPv4 inverted
    return [
        f"::ffff:{ip}",
        f"::ffff:{hi:x}:{lo:x}",
        f"::{ip}",
        f"::{hi:x}:{lo:x}",
        f"64:ff9b::{ip}",
        f"64:ff9b::{hi:x}:{lo:x}",
        f"64:ff9b:1::{hi:x}:{lo:x}",
        str(ipaddress.IPv6Address((0x2002 << 112) | (n << 80) | suffix)),  # 6to4
        str(ipaddress.IPv6Address((0x20010000 << 96) | (n << 64) | teredo_client)),  # Teredo
    ]


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ip=blocked_ipv4(),
    styles=st.tuples(*[st.sampled_from(PART_STYLES)] * 4),
    suffix=st.integers(min_value=0, max_value=(1 << 80) - 1),
)
def test_F3_guard_never_allows_blocked_ipv4_in_any_embedding(
    ip: ipaddress.IPv4Address, styles: tuple[str, ...], suffix: int
) -> None:
    # The autouse fixture has emptied COMMONPLACE_FETCH_ALLOW_HOSTS for the whole test.
    assert is_blocked_ip(ip)
    for host in _textual_ipv4_forms(ip, styles):
        with pytest.raises(BlockedURL):
            check_url(f"http://{host}/feed")
    for embedded in _ipv6_embeddings(ip, suffix):
        assert is_blocked_ip(embedded), embedded
        assert not address_permitted("feed.example", 443, embedded), embedded
        with pytest.raises(BlockedURL):
            check_url(f"https://[{embedded}]:443/feed")
