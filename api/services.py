"""Writes for API access: personal access tokens (create, revoke) and marking a token used."""

import datetime as dt

from django.utils import timezone

from accounts.models import User
from api.models import Application, AuthorizationCode, Scope, Token, hash_secret, new_secret
from core.exceptions import Invalid, NotAllowed

MAX_TOKENS = 50
# A token's last use is written at most this often (a busy script would otherwise write on every call).
LAST_USED_EVERY = dt.timedelta(minutes=5)


def create_token(
    *, user: User, name: str, scopes: list[str], application: Application | None = None
) -> tuple[Token, str]:
    """A new token and its secret (shown once; only its hash is kept). Raises Invalid on a bad name or scope."""
    name = name.strip()
    if not name:
        raise Invalid("Give the token a name, e.g. the script that will use it.")
    if len(name) > 100:
        raise Invalid("Please keep the name under 100 characters.")
    if application is None:
        unknown = sorted(set(scopes) - set(Scope.values))
        if unknown or not scopes:
            raise Invalid("Choose at least one of read, write and facilitate.")
        if Token.objects.live().filter(user=user, application__isnull=True).count() >= MAX_TOKENS:
            raise Invalid(f"You have {MAX_TOKENS} tokens; revoke one you no longer use first.")
    secret = new_secret()
    token = Token.objects.create(
        user=user,
        application=application,
        name=name,
        scopes=" ".join(dict.fromkeys(scopes)),
        key_hash=hash_secret(secret),
        prefix=secret[:10],
    )
    return token, secret


def revoke_token(*, token: Token, actor: User) -> None:
    """End a token at once. Only its owner can."""
    if token.user_id != actor.pk:
        raise NotAllowed("That token is not yours.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def revoke_all(*, user: User) -> int:
    """End every token of a person (their account was disabled: S4), and the codes not yet exchanged for
    one; how many tokens were live. Enabling the account again brings none back."""
    AuthorizationCode.objects.filter(user=user).delete()
    return Token.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def touch(token: Token, now: dt.datetime | None = None) -> None:
    """Note that the token was used (at most every few minutes)."""
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        Token.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
