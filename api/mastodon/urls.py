"""The Mastodon client API (filled in by api.mastodon.views)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
