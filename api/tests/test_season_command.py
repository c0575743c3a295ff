"""A facilitator scripts a season from a JSON file: `commonplace api season FILE` against a running site."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from api import services
from courses.models import Course

SEASON = Path(__file__).resolve().parents[2] / "docs" / "examples" / "season.json"


@pytest.mark.django_db(transaction=True)
def test_the_example_season_is_made_through_the_api(live_server, george: User) -> None:
    _, secret = services.create_token(user=george, name="season", scopes=["facilitate"])
    out = io.StringIO()
    call_command("api", "season", str(SEASON), url=live_server.url, token=secret, stdout=out)
    course = Course.objects.get(slug="immooc-s6")
    assert out.getvalue().startswith("Made The Innovator's Mindset MOOC, season 6")
    assert "6 weeks, 7 prompts" in out.getvalue()
    assert course.enrollments.get().user == george
    assert [w.number for w in course.weeks.all()] == [1, 2, 3, 4, 5, 6]
    assert course.weeks.get(number=1).prompts.count() == 2
    assert course.weeks.get(number=1).live_session.title == "Opening show"
    with pytest.raises(CommandError, match="POST /courses: 400 Course with this Slug already exists"):
        call_command("api", "season", str(SEASON), url=live_server.url, token=secret)  # already there


@pytest.mark.django_db(transaction=True)
def test_a_token_without_the_facilitate_scope_is_told_why(live_server, george: User, tmp_path: Path) -> None:
    _, secret = services.create_token(user=george, name="read only", scopes=["read"])
    with pytest.raises(CommandError, match="403 This token does not have the “facilitate” scope"):
        call_command("api", "season", str(SEASON), url=live_server.url, token=secret)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"weeks": []}))
    with pytest.raises(CommandError, match="is not a season file"):
        call_command("api", "season", str(broken), url=live_server.url, token=secret)
    assert not Course.objects.exists()
