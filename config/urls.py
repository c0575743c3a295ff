"""Top-level URL configuration: each app brings its own urls.py."""

from django.contrib import admin
from django.urls import include, path

from accounts.selectors import avatar_audience
from api.mastodon.selectors import image_audience, upload_audience
from api.rest import api as rest_api
from core import views as core_views
from posts import views as posts_views

# Who may fetch an uploaded file, by the folder its model's upload_to puts it in (posts.models.image_path,
# accounts.models.avatar_path, api.models.media_path). A folder not listed here serves nothing.
MEDIA_READERS: dict[str, core_views.MediaReader] = {
    "artifacts": image_audience,  # the one visibility rule (posts.models.visible_q), for a session or a token
    "avatars": avatar_audience,  # public, like the profile
    "api-media": upload_audience,  # an upload not yet attached to a status: its owner only
}

urlpatterns = [
    path("", include("api.mastodon.urls")),  # Mastodon apps: /api/v1/apps, /oauth/…, /api/v1/statuses …
    path("api/v1/", rest_api.urls),  # the REST API, its schema (/api/v1/openapi.json) and docs
    path("", include("api.urls")),  # the API token settings page
    path("", include("privacy.urls")),  # downloading your data
    path("", posts_views.home, name="home"),
    path("", include("network.urls")),
    path("", include("syndication.urls_out")),
    path("", include("syndication.urls")),
    path("", include("courses.urls")),  # first: /courses/new/ must not be read as a course slug
    path("", include("chats.urls")),
    path("", include("moderation.urls")),
    path("", include("posts.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("search.urls")),
    path("", include("insights.urls")),
    path("media/<path:path>", core_views.media, {"readers": MEDIA_READERS}, name="media"),
    path("staff/jobs/", core_views.failed_jobs, name="failed_jobs"),
    path("admin/", admin.site.urls),
]

handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
