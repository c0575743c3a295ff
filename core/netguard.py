"""Which URLs and addresses the server may fetch: one URL parser and one address policy for every outbound request."""

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import Final, Literal

from django.conf import settings
from yarl import URL

from core.exceptions import ActionError

type IPAddress = IPv4Address | IPv6Address
type FetchErrorKind = Literal[
    "blocked", "timeout", "too_large", "too_many_redirects", "http", "network", "retry_later", "encoding"
]

MAX_URL_LENGTH: Final = 4096
ALLOWED_SCHEMES: Final = frozenset({"http", "https"})


class FetchError(ActionError):
    """A fetch failed. `message` is plain words for a person and never carries an IP, a port, timings or body text.

    `kind` is a short code for programs; `retry_after` (seconds) is set when the server asked us to wait;
    `status` is the HTTP status when the server answered with an error.
    """

    default_message = "The address couldn't be fetched."

    def __init__(
        self,
        message: str | None = None,
        *,
        kind: FetchErrorKind = "network",
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: FetchErrorKind = kind
        self.retry_after = retry_after
        self.status = status

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kind={self.kind!r}, message={self.message!r})"


class BlockedURL(FetchError):
    """The URL or the address it leads to is not one the server may fetch."""

    default_message = "This address can't be fetched."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, kind="blocked")


# Refusal messages stay generic on purpose (H8): they never echo the address, the port or what we found there.
PRIVATE_MESSAGE: Final = "This address can't be fetched: it points to a private or reserved network."
INVALID_MESSAGE: Final = "This address can't be fetched: it isn't a valid web address."
SCHEME_MESSAGE: Final = "This address can't be fetched: only http and https addresses are supported."
USERINFO_MESSAGE: Final = "This address can't be fetched: it contains a user name or password."


@dataclass(frozen=True)
class ParsedURL:
    """A URL that passed `check_url`: the request goes to exactly this `url`, `host` and `port`."""

    url: URL
    scheme: str
    host: str
    port: int
    ip: IPAddress | None

    def __str__(self) -> str:
        return str(self.url)


def _networks4(*cidrs: str) -> tuple[IPv4Network, ...]:
    return tuple(IPv4Network(cidr) for cidr in cidrs)


def _networks6(*cidrs: str) -> tuple[IPv6Network, ...]:
    return tuple(IPv6Network(cidr) for cidr in cidrs)


# Listed explicitly as well as by `is_global`, so a change in the standard library's tables can only add blocks.
BLOCKED_IPV4: Final = _networks4(
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "255.255.255.255/32",
)
BLOCKED_IPV6: Final = _networks6(
    "::/128",
    "::1/128",
    "::/96",  # IPv4-compatible (deprecated); `is_global` passes ::8.8.8.8-style forms
    "100::/64",  # discard-only
    "64:ff9b:1::/48",  # local-use NAT64
    "2001::/32",  # Teredo
    "2001:db8::/32",  # documentation
    "2002::/16",  # 6to4 (relays deprecated; the embedded IPv4 is checked too)
    "3fff::/20",  # documentation
    "fc00::/7",
    "fe80::/10",
    "fec0::/10",  # site-local (deprecated); `is_global` passes it
    "ff00::/8",
)
GLOBAL_UNICAST_IPV6: Final = IPv6Network("2000::/3")
NAT64_WELL_KNOWN: Final = IPv6Network("64:ff9b::/96")
IPV4_MAPPED: Final = IPv6Network("::ffff:0:0/96")


def _as_ip(ip: str | IPAddress) -> IPAddress | None:
    if isinstance(ip, IPv4Address | IPv6Address):
        return ip
    try:
        return ipaddress.ip_address(ip.strip("[]"))
    except ValueError:
        return None


def is_blocked_ip(ip: str | IPAddress) -> bool:
    """True for every address that is not plainly public unicast, judging IPv4 embedded in IPv6 by its IPv4.

    Anything that doesn't parse as an address is blocked too.
    """
    addr = _as_ip(ip)
    if addr is None:
        return True
    if isinstance(addr, IPv4Address):
        return not addr.is_global or any(addr in net for net in BLOCKED_IPV4)
    if addr.scope_id:
        return True
    if addr in IPV4_MAPPED or addr in NAT64_WELL_KNOWN:
        # `is_global` says True for every NAT64 address, even 64:ff9b::7f00:1 (loopback): judge the IPv4 inside.
        return is_blocked_ip(IPv4Address(int(addr) & 0xFFFFFFFF))
    if addr.sixtofour is not None and is_blocked_ip(addr.sixtofour):
        return True
    if addr not in GLOBAL_UNICAST_IPV6:
        return True
    return not addr.is_global or any(addr in net for net in BLOCKED_IPV6)


def _allow_entries() -> list[str]:
    entries = getattr(settings, "COMMONPLACE_FETCH_ALLOW_HOSTS", None) or []
    if isinstance(entries, str):
        entries = entries.split(",")
    return [entry.strip().lower() for entry in entries if entry and entry.strip()]


def _split_host_port(entry: str) -> tuple[str, int | None] | None:
    """`host`, `host:port`, `[v6]` or `[v6]:port` → (host, port); None if the port part isn't a number."""
    if entry.startswith("["):
        host, sep, rest = entry[1:].partition("]")
        if not sep:
            return None
        if not rest:
            return host, None
        if rest.startswith(":") and rest[1:].isdigit():
            return host, int(rest[1:])
        return None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return (host, int(port)) if port.isdigit() else None
    return entry, None


def allowed(host: str | None, port: int | None, ip: str | IPAddress | None) -> bool:
    """True if `COMMONPLACE_FETCH_ALLOW_HOSTS` lets us reach this non-public target (read at call time).

    An entry matches a hostname, a `host:port` (hostname or IP), or a CIDR/IP containing the resolved address.
    """
    addr = _as_ip(ip) if ip is not None else None
    name = (host or "").strip("[]").rstrip(".").lower()
    for entry in _allow_entries():
        try:
            network = ipaddress.ip_network(entry.strip("[]"), strict=False)
        except ValueError:
            pass
        else:
            if addr is not None and addr.version == network.version and addr in network:
                return True
            continue
        split = _split_host_port(entry)
        if split is None:
            continue
        entry_host, entry_port = split
        if entry_port is not None and entry_port != port:
            continue
        entry_ip = _as_ip(entry_host)
        if entry_ip is not None:
            if addr is not None and addr == entry_ip:
                return True
        elif name and entry_host.rstrip(".") == name:
            return True
    return False


def address_permitted(host: str | None, port: int | None, ip: str | IPAddress) -> bool:
    """True if we may open a connection to `ip` on behalf of `host`: public, or allowed by the setting."""
    return not is_blocked_ip(ip) or allowed(host, port, ip)


_DECIMAL = re.compile(r"[0-9]+")
_OCTAL = re.compile(r"[0-7]+")
_HEX = re.compile(r"[0-9a-f]*")
_HOSTNAME = re.compile(r"(?=.{1,253}\Z)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_-]{1,63})*")


def _ipv4_number(part: str) -> int | None:
    """One dotted part as the WHATWG URL standard (and inet_aton) reads it: decimal, 0x hex or 0-prefixed octal."""
    if part.startswith("0x"):
        digits = part[2:]
        return int(digits or "0", 16) if _HEX.fullmatch(digits) else None
    if len(part) > 1 and part.startswith("0"):
        return int(part[1:], 8) if _OCTAL.fullmatch(part[1:]) else None
    return int(part) if _DECIMAL.fullmatch(part) else None


def _ends_in_number(host: str) -> bool:
    last = host.removesuffix(".").rpartition(".")[2]
    return bool(last) and (_DECIMAL.fullmatch(last) is not None or _ipv4_number(last) is not None)


def parse_ipv4_host(host: str) -> IPv4Address | None:
    """The IPv4 address a numeric host reaches in any legacy form (`2130706433`, `0x7f000001`, `127.1`, `0177.0.0.1`).

    None if the host doesn't end in a number (it's a name); raises BlockedURL if it does but isn't a valid address.
    """
    if not _ends_in_number(host):
        return None
    parts = host.removesuffix(".").split(".")
    numbers = [_ipv4_number(part) for part in parts]
    if len(parts) > 4 or any(n is None for n in numbers):
        raise BlockedURL(INVALID_MESSAGE)
    values = [n for n in numbers if n is not None]
    *head, last = values
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(values)):
        raise BlockedURL(INVALID_MESSAGE)
    value = last
    for index, n in enumerate(head):
        value += n << (8 * (3 - index))
    return IPv4Address(value)


def _has_bad_characters(url: str) -> bool:
    return any(
        char.isspace() or char == "\\" or unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"} for char in url
    )


def check_url(url: str) -> ParsedURL:
    """Parse and vet a URL we are asked to fetch; raises BlockedURL with a generic message if we may not.

    Only http and https; no user name or password; no backslashes, whitespace or control characters; a host
    that is a valid name or a literal address, where a literal address in any textual form must be public
    (or allowed by `COMMONPLACE_FETCH_ALLOW_HOSTS`). Names are not resolved here: the fetcher checks every
    resolved address when it connects.
    """
    if not url or len(url) > MAX_URL_LENGTH or _has_bad_characters(url):
        raise BlockedURL(INVALID_MESSAGE)
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ALLOWED_SCHEMES:
        raise BlockedURL(SCHEME_MESSAGE)
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in authority:
        raise BlockedURL(USERINFO_MESSAGE)
    try:
        parsed = URL(url)
        port = parsed.port
    except (ValueError, TypeError):
        raise BlockedURL(INVALID_MESSAGE) from None
    if parsed.scheme not in ALLOWED_SCHEMES:
        raise BlockedURL(SCHEME_MESSAGE)
    if parsed.raw_user is not None or parsed.raw_password is not None:
        raise BlockedURL(USERINFO_MESSAGE)
    host = (parsed.raw_host or "").lower()
    if not host or port is None or not 0 < port < 65536:
        raise BlockedURL(INVALID_MESSAGE)

    ip: IPAddress | None
    if ":" in host:
        ip = _as_ip(host)
        if ip is None or "%" in host:
            raise BlockedURL(INVALID_MESSAGE)
    else:
        ip = parse_ipv4_host(host)
        if ip is None and _HOSTNAME.fullmatch(host.removesuffix(".")) is None:
            raise BlockedURL(INVALID_MESSAGE)
    if ip is not None:
        if not address_permitted(host, port, ip):
            raise BlockedURL(PRIVATE_MESSAGE)
        if ip.version == 4 and host != str(ip):
            # A public address in a legacy form is still refused: the connector must see the canonical form.
            raise BlockedURL(INVALID_MESSAGE)
    elif host.removesuffix(".").split(".")[-1] == "localhost" and not allowed(host, port, None):
        raise BlockedURL(PRIVATE_MESSAGE)
    return ParsedURL(url=parsed.with_fragment(None), scheme=parsed.scheme, host=host, port=port, ip=ip)
