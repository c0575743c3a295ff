"""Access to the API: personal access tokens (made on the settings page) and OAuth 2 apps (Mastodon clients).

A token's secret is shown once and stored only as its SHA-256; `prefix` (its first characters) lets a person
tell their tokens apart. Scopes: read, write, facilitate (the REST API) and the Mastodon app scopes, which
map onto them (`read:*` → read, `write:*`/`follow` → write).
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

TOKEN_PREFIX = "cp_"  # noqa: S105 (a marker, not a secret)


class Scope(models.TextChoices):
    READ = "read", "Read: see what you can see on the site"
    WRITE = "write", "Write: post, comment, share, follow, mute and block as you (includes read)"
    FACILITATE = "facilitate", "Facilitate: change the courses you facilitate (includes read)"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class Application(models.Model):
    """A client app registered through the Mastodon API (`POST /api/v1/apps`)."""

    name = models.CharField(max_length=200)
    website = models.URLField(blank=True, max_length=500)
    redirect_uris = models.TextField(help_text="One per line; urn:ietf:wg:oauth:2.0:oob for the out-of-band flow.")
    scopes = models.CharField(max_length=300, default="read")
    client_id = models.CharField(max_length=64, unique=True)
    client_secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class AuthorizationCode(models.Model):
    """A one-time OAuth 2 authorization code, with its PKCE challenge when the app sent one."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="codes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    redirect_uri = models.CharField(max_length=500)
    scopes = models.CharField(max_length=300)
    code_challenge = models.CharField(max_length=128, blank=True)
    code_challenge_method = models.CharField(max_length=10, blank=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code for {self.application_id}"


class TokenQuerySet(models.QuerySet["Token"]):
    def live(self) -> "TokenQuerySet":
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class Token(models.Model):
    """A bearer token: a personal access token (no application) or one issued to an OAuth app."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, null=True, blank=True, related_name="tokens")
    name = models.CharField(max_length=100)
    scopes = models.CharField(max_length=300, help_text="Space-separated.")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def allows(self, scope: str) -> bool:
        """Whether the token carries `scope` (read, write or facilitate), counting Mastodon's finer scopes."""
        held = self.scope_set
        if scope in held:
            return True
        if scope == Scope.READ:  # writing and facilitating need to read what they change
            return bool(held & {Scope.WRITE, Scope.FACILITATE, "follow"}) or any(
                s.startswith(("read:", "write:")) for s in held
            )
        if scope == Scope.WRITE:
            return "follow" in held or any(s.startswith("write:") for s in held)
        return False


def media_path(instance: "MediaUpload", filename: str) -> str:
    return f"api-media/{filename}"


class MediaUpload(models.Model):
    """An image uploaded through the Mastodon API (`POST /api/v1/media`), already checked and re-encoded, kept
    until a status attaches it (the status then becomes an image artifact and the upload is deleted)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    image = models.ImageField(upload_to=media_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    description = models.CharField(max_length=1500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"media {self.pk} of {self.user_id}"
