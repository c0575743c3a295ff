"""The insights summary on a person's own profile (the profile page belongs to `network`, below insights:
it asks for the summary by tag, so no lower app imports this one)."""

from django import template

from accounts.models import User
from insights.selectors import ProfileSummary, profile_summary

register = template.Library()


@register.inclusion_tag("insights/profile_summary.html")
def insights_summary(person: User) -> dict[str, ProfileSummary]:
    return {"summary": profile_summary(person)}
