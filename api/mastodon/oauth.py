"""Writes for OAuth 2 as Mastodon apps use it: register an app, issue a one-time code, exchange it for a token.

Codes live ten minutes and work once (claimed with a conditional UPDATE); when the app sent a PKCE challenge
(S256 only), the token request must bring the verifier. Secrets and codes are stored as SHA-256 hashes.
"""

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from api.models import Application, AuthorizationCode, Token, hash_secret
from api.services import create_token
from core.exceptions import Invalid

OOB = "urn:ietf:wg:oauth:2.0:oob"
CODE_LIFETIME = dt.timedelta(minutes=10)
BASE_SCOPES = {"read", "write", "follow", "push", "profile"}
SCOPE_WORDS = {
    "read": "see everything you can see on Commonplace",
    "write": "post, reply, share, follow, mute and block as you",
    "follow": "follow, mute and block people as you",
    "push": "receive push notifications (not offered here yet)",
    "profile": "see your name and handle",
}


class OAuthRefused(Invalid):
    """An OAuth request that cannot go on; the message says why."""


def parse_scopes(text: str) -> list[str]:
    """Mastodon scopes from a space-separated string (read, write, follow, push, profile, read:…, write:…)."""
    scopes = list(dict.fromkeys(text.split())) or ["read"]
    for scope in scopes:
        head, _, tail = scope.partition(":")
        if scope in BASE_SCOPES or (head in {"read", "write"} and tail.replace("_", "").isalpha()):
            continue
        raise OAuthRefused(f"The scope “{scope}” is not offered here: use read, write, follow or push.")
    return scopes


def scope_words(scopes: list[str]) -> list[str]:
    """What each scope lets the app do, in words for the consent page."""
    words = []
    for scope in scopes:
        head, _, tail = scope.partition(":")
        if tail:
            verb = "see" if head == "read" else "change"
            words.append(f"{verb} your {tail.replace('_', ' ')}")
        else:
            words.append(SCOPE_WORDS[scope])
    return words


def _check_redirect(uri: str) -> str:
    uri = uri.strip()
    if uri == OOB:
        return uri
    parts = urlsplit(uri)
    if not parts.scheme or parts.fragment or parts.scheme.lower() in {"javascript", "data", "vbscript", "file"}:
        raise OAuthRefused(f"“{uri[:100]}” is not a redirect address we can send people to.")
    if parts.scheme.lower() in {"http", "https"} and not parts.netloc:
        raise OAuthRefused(f"“{uri[:100]}” has no host.")
    return uri


@dataclass
class RegisteredApp:
    application: Application
    client_secret: str  # shown once


def register_app(*, name: str, redirect_uris: list[str], scopes: str, website: str = "") -> RegisteredApp:
    """Register a client app (anyone may, as on Mastodon). Raises OAuthRefused on a missing name, an unusable
    redirect address or an unknown scope."""
    name = name.strip()
    if not name:
        raise OAuthRefused("Give the app a name (client_name).")
    if len(name) > 200:
        raise OAuthRefused("Please keep the app's name under 200 characters.")
    uris = [_check_redirect(u) for u in redirect_uris if u.strip()]
    if not uris:
        raise OAuthRefused(f"Give at least one redirect address (redirect_uris), or {OOB}.")
    website = website.strip()
    if website and urlsplit(website).scheme not in {"http", "https"}:
        website = ""
    secret = secrets.token_urlsafe(32)
    app = Application.objects.create(
        name=name,
        website=website[:500],
        redirect_uris="\n".join(uris),
        scopes=" ".join(parse_scopes(scopes)),
        client_id=secrets.token_urlsafe(32),
        client_secret_hash=hash_secret(secret),
    )
    return RegisteredApp(app, secret)


def app_for(client_id: str) -> Application | None:
    return Application.objects.filter(client_id=client_id).first() if client_id else None


def check_request(*, app: Application, redirect_uri: str, scopes: list[str]) -> None:
    """The app may ask for this: a redirect address it registered, scopes among those it registered."""
    if redirect_uri not in app.redirect_uris.split():
        raise OAuthRefused("That redirect address was not registered by the app.")
    registered = set(app.scopes.split())
    if not set(scopes) <= registered and not _within(scopes, registered):
        raise OAuthRefused("The app asks for more access than it registered for.")


def _within(scopes: list[str], registered: set[str]) -> bool:
    """Fine scopes (read:statuses) are within their broad one (read)."""
    return all(s in registered or s.partition(":")[0] in registered for s in scopes)


def issue_code(
    *,
    app: Application,
    user: User,
    redirect_uri: str,
    scopes: list[str],
    code_challenge: str = "",
    code_challenge_method: str = "",
) -> str:
    """A one-time code for the person's consent (shown once; only its hash is kept)."""
    check_request(app=app, redirect_uri=redirect_uri, scopes=scopes)
    if code_challenge and code_challenge_method != "S256":
        raise OAuthRefused("Only the S256 code challenge method is supported.")
    code = secrets.token_urlsafe(32)
    AuthorizationCode.objects.create(
        application=app,
        user=user,
        code_hash=hash_secret(code),
        redirect_uri=redirect_uri,
        scopes=" ".join(scopes),
        code_challenge=code_challenge,
        code_challenge_method=code_challenge_method if code_challenge else "",
        expires_at=timezone.now() + CODE_LIFETIME,
    )
    return code


def _client(client_id: str, client_secret: str) -> Application:
    app = app_for(client_id)
    if app is None or not hmac.compare_digest(app.client_secret_hash, hash_secret(client_secret)):
        raise OAuthRefused("The app's client_id or client_secret is wrong.")
    return app


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


@transaction.atomic
def exchange_code(
    *, client_id: str, client_secret: str, code: str, redirect_uri: str, code_verifier: str = ""
) -> tuple[Token, str]:
    """A token for a code: once, within ten minutes, for the app and redirect address it was issued to, and
    with the PKCE verifier when a challenge was given. Raises OAuthRefused otherwise."""
    app = _client(client_id, client_secret)
    found = AuthorizationCode.objects.select_related("user").filter(code_hash=hash_secret(code)).first()
    if found is None or found.application_id != app.pk or found.expires_at <= timezone.now():
        raise OAuthRefused("That authorization code is not valid (or has expired): ask the person again.")
    if found.redirect_uri != redirect_uri:
        raise OAuthRefused("The redirect address is not the one the code was issued for.")
    if found.code_challenge and not hmac.compare_digest(s256(code_verifier), found.code_challenge):
        raise OAuthRefused("The code verifier does not match the code challenge.")
    claimed = AuthorizationCode.objects.filter(pk=found.pk, used_at__isnull=True).update(used_at=timezone.now())
    if not claimed:
        raise OAuthRefused("That authorization code was already used: ask the person again.")
    if not found.user.is_active:
        raise OAuthRefused("That account is no longer active.")
    return create_token(user=found.user, name=app.name[:100], scopes=found.scopes.split(), application=app)


def revoke(*, client_id: str, client_secret: str, token: str) -> None:
    """End an app's token (an unknown token is not an error, as RFC 7009 asks)."""
    app = _client(client_id, client_secret)
    Token.objects.filter(application=app, key_hash=hash_secret(token), revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
