"""S2: failed log-ins are counted per account and per address, in the cache; too many in a while locks that
account (or address) out of logging in until the while is over. The address is the connection's own unless
TRUSTED_PROXY_COUNT proxies are in front of us, so a forged X-Forwarded-For changes nothing."""

import ipaddress
import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

log = logging.getLogger("commonplace.security")


def client_address(request: HttpRequest) -> str:
    """The caller's address: REMOTE_ADDR, or the hop our own N trusted proxies saw when they are configured."""
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops > 0 and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if addresses:
            return addresses[-min(hops, len(addresses))]
    return str(request.META.get("REMOTE_ADDR", ""))


def _parsed(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address, an IPv4-mapped IPv6 one as the IPv4 address it is (::ffff:192.0.2.1 is 192.0.2.1);
    None when it is not an address."""
    try:
        parsed = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped
    return parsed


def address_block(address: str) -> str:
    """What a per-address limit counts: an IPv4 address itself, an IPv6 address's /64 (one home or school
    network gets a whole /64 and can take a new address from it for every try)."""
    parsed = _parsed(address)
    if parsed is None:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def signup_network_blocked(address: str) -> bool:
    """True when the address is in one of SIGNUP_BLOCKED_NETWORKS (CIDR, or single addresses): sign-ups
    from there are refused (SP5). A malformed entry is ignored here; `commonplace check` reports it
    (accounts.checks)."""
    parsed = _parsed(address)
    if parsed is None:
        return False
    for entry in settings.SIGNUP_BLOCKED_NETWORKS:
        try:
            network = ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            continue
        if parsed.version == network.version and parsed in network:
            return True
    return False


def _keys(request: HttpRequest, username: str) -> tuple[str, str]:
    return f"login-fail:user:{username.strip().lower()}", f"login-fail:addr:{address_block(client_address(request))}"


def _window() -> int:
    return int(settings.LOGIN_LOCKOUT_MINUTES) * 60


def attempt(request: HttpRequest, username: str) -> bool:
    """Count this log-in attempt for the account first, then say whether it may go ahead: counting before the
    password is checked means parallel guesses cannot all slip under the limit."""
    user_key, addr_key = _keys(request, username)
    tries = _bump(user_key)
    if tries == settings.LOGIN_FAILURES_PER_ACCOUNT + 1:
        log.warning("log-in locked for account %r after %d failures", username[:30], tries - 1)
    if tries > settings.LOGIN_FAILURES_PER_ACCOUNT:
        return False
    return (cache.get(addr_key) or 0) < settings.LOGIN_FAILURES_PER_ADDRESS


def _bump(key: str) -> int:
    cache.add(key, 0, _window())
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, _window())
        return 1


def failed(request: HttpRequest, username: str) -> None:
    """A wrong password: it counts against the address too (the account's try was counted already)."""
    per_addr = _bump(_keys(request, username)[1])
    if per_addr == settings.LOGIN_FAILURES_PER_ADDRESS:
        log.warning("log-in locked for address %s after %d failures", client_address(request), per_addr)


def succeeded(request: HttpRequest, username: str) -> None:
    cache.delete(_keys(request, username)[0])
