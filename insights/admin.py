"""Rollups in the admin: read-only, since every row is recomputed by `fill_day`."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import CourseDay, CourseEdgeDay, NetworkDay, PersonDay


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    date_hierarchy = "day"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PersonDay)
class PersonDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "user", "course", "posted", "comments_given", "comments_received", "shares_others"]
    list_filter = ["course"]
    raw_id_fields = ["user"]


@admin.register(NetworkDay)
class NetworkDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "user", "new_followers", "followers_total", "mutuals_total", "conversed_total"]
    raw_id_fields = ["user"]


@admin.register(CourseDay)
class CourseDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "course", "members_total", "active_people", "posted", "comments", "new_connections"]
    list_filter = ["course"]


@admin.register(CourseEdgeDay)
class CourseEdgeDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "course", "source", "target", "replies", "shares"]
    list_filter = ["course"]
    raw_id_fields = ["source", "target"]
