from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User


@admin.register(User)
class CommonplaceUserAdmin(UserAdmin[User]):
    list_display = ("username", "email", "display_name", "role", "is_staff")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (
            "Profile",
            {"fields": ("display_name", "bio", "role", "subjects", "grade_levels", "time_zone", "website", "blog_url")},
        ),
    )
