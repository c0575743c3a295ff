"""The Mastodon client API: OAuth, instance, accounts, statuses, timelines, notifications, media, search.

Paths are matched with and without a trailing slash, as Mastodon's own router does (Mastodon.py asks for
`/api/v1/instance/`).
"""

from collections.abc import Callable

from django.http import HttpResponse
from django.urls import URLPattern, re_path

from api.mastodon import views, views_oauth

app_name = "mastodon"


def route(pattern: str, view: Callable[..., HttpResponse], name: str) -> URLPattern:
    return re_path(rf"^{pattern}/?$", view, name=name)


ID = r"(?P<pk>[0-9]+)"
urlpatterns = [
    route("api/v1/apps", views_oauth.create_app, "apps"),
    route("oauth/authorize", views_oauth.authorize, "authorize"),
    route("oauth/token", views_oauth.token, "token"),
    route("oauth/revoke", views_oauth.revoke, "revoke"),
    route("api/v1/instance", views.instance_v1, "instance"),
    route("api/v2/instance", views.instance_v2, "instance_v2"),
    route("api/v1/accounts/verify_credentials", views.verify_credentials, "verify_credentials"),
    route("api/v1/accounts/lookup", views.lookup, "lookup"),
    route("api/v1/accounts/relationships", views.relationships, "relationships"),
    route(f"api/v1/accounts/{ID}", views.account_detail, "account"),
    route(f"api/v1/accounts/{ID}/statuses", views.account_statuses, "account_statuses"),
    route(f"api/v1/accounts/{ID}/followers", views.account_followers, "followers"),
    route(f"api/v1/accounts/{ID}/following", views.account_following, "following"),
    route(f"api/v1/accounts/{ID}/follow", views.follow, "follow"),
    route(f"api/v1/accounts/{ID}/unfollow", views.unfollow, "unfollow"),
    route(f"api/v1/accounts/{ID}/mute", views.mute, "mute"),
    route(f"api/v1/accounts/{ID}/unmute", views.unmute, "unmute"),
    route(f"api/v1/accounts/{ID}/block", views.block, "block"),
    route(f"api/v1/accounts/{ID}/unblock", views.unblock, "unblock"),
    route("api/v1/statuses", views.post_status, "statuses"),
    route(f"api/v1/statuses/{ID}", views.status_detail, "status"),
    route(f"api/v1/statuses/{ID}/context", views.status_context, "context"),
    route(f"api/v1/statuses/{ID}/reblog", views.reblog, "reblog"),
    route(f"api/v1/statuses/{ID}/unreblog", views.unreblog, "unreblog"),
    route(f"api/v1/statuses/{ID}/favourite", views.favourite, "favourite"),
    route(f"api/v1/statuses/{ID}/unfavourite", views.favourite, "unfavourite"),
    route("api/v1/timelines/home", views.home, "home"),
    route("api/v1/timelines/public", views.public, "public"),
    route(r"api/v1/timelines/tag/(?P<name>[^/]+)", views.tag_timeline, "tag"),
    route("api/v1/notifications", views.notifications, "notifications"),
    route("api/v1/media", views.upload_media, "media"),
    route("api/v2/media", views.upload_media, "media_v2"),
    route(f"api/v1/media/{ID}", views.media_detail, "media_detail"),
    route("api/v2/search", views.search_v2, "search"),
]
