"""Who is calling the API: a bearer token (`Authorization: Bearer cp_…`), or the site's own session."""

from django.http import HttpRequest

from api import services
from api.models import Token, hash_secret


def bearer(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def token_for(secret: str) -> Token | None:
    """The live token with this secret, or None (unknown, revoked or expired look the same)."""
    token = Token.objects.live().select_related("user").filter(key_hash=hash_secret(secret)).first()
    if token is None or not token.user.is_active:
        return None
    services.touch(token)
    return token
