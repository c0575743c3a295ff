"""A2 under varied requests (SECURITY-TESTS 7.5): a hidden artifact answers byte for byte as a missing one.

Three ways to be hidden (a course-only post read by someone outside the course and by an anonymous visitor,
a draft read by another member of the course) and three surfaces that read one artifact (its HTML page, the
REST read, the Mastodon status read), asked with every `Accept`, `Accept-Language`, with and without a
trailing slash, with and without a `.json` suffix. Hidden and missing must agree on the status, the body (after
blanking CSRF tokens and CSP nonces and replacing the id that was asked for) and every response header (but the
nonce). The missing id has as many digits as the hidden one, so lengths compare too.
"""

import re

import pytest
from django.http.response import HttpResponseBase
from django.test import Client

from accounts.models import User
from api import services as api_services
from config.tests.test_A1_matrix import normalise
from courses.models import Course
from posts.models import Artifact, Comment, Visibility
from posts.tests.factories import ArtifactFactory

pytestmark = pytest.mark.django_db

# Who asks for which hidden artifact.
SCENARIOS: dict[str, tuple[str, str]] = {
    "course_only_non_member": ("non_member", Visibility.COURSE),
    "course_only_anonymous": ("anonymous", Visibility.COURSE),
    "draft_other_member": ("member", Visibility.DRAFT),
}
# Each surface's path for an id, without a trailing slash; the API surfaces are asked with a bearer token.
SURFACES: dict[str, tuple[str, bool]] = {
    "html_page": ("/a/{pk}", False),
    "rest_read": ("/api/v1/artifacts/{pk}", True),
    "mastodon_status": ("/api/v1/statuses/{pk}", True),
}
ACCEPTS = {"html": "text/html", "json": "application/json", "any": "*/*"}
LANGUAGES = ["en", "fr", "de"]
SLASHES = {"slash": "/", "no_slash": ""}
SUFFIXES = {"plain": "", "dot_json": ".json"}

CASES = [
    pytest.param(
        scenario,
        surface,
        accept,
        language,
        slash,
        suffix,
        id=f"{scenario}-{surface}-{accept}-{language}-{slash}-{suffix}",
    )
    for scenario in SCENARIOS
    for surface in SURFACES
    for accept in ACCEPTS
    for language in LANGUAGES
    for slash in SLASHES
    for suffix in SUFFIXES
]


def _viewer(kind: str, devon: User, outsider: User) -> User | None:
    return {"anonymous": None, "member": devon, "non_member": outsider}[kind]


def _missing_id_like(pk: int) -> int:
    """An id that names no artifact and no comment, with as many digits as `pk`."""
    width = len(str(pk))
    for candidate in range(10**width - 1, 10 ** (width - 1) - 1, -1):
        taken = Artifact.objects.filter(pk=candidate).exists() or Comment.objects.filter(pk=candidate).exists()
        if candidate != pk and not taken:
            return candidate
    raise AssertionError(f"no free id of {width} digits")


def _path(template: str, pk: int, slash: str, suffix: str) -> str:
    return template.format(pk=pk) + SUFFIXES[suffix] + SLASHES[slash]


def _answer(response: HttpResponseBase, content: bytes, pk: int) -> tuple[int, str, list[tuple[str, str]], list[str]]:
    """Status, body and headers with the per-request values blanked and the asked-for id replaced by "ID"."""
    body = content.decode("utf-8", "replace")
    # The id as a path segment, as written or URL-encoded (a log-in link's `next=`); never a bare number.
    id_in_path = re.compile(rf"(?:(?<=/)|(?<=%2F)|(?<=%2f)){pk}(?![0-9])")
    body = id_in_path.sub("ID", normalise(body))
    headers = sorted(
        (name, id_in_path.sub("ID", re.sub(r"'nonce-[^']+'", "'nonce-'", value)))
        for name, value in response.headers.items()
    )
    return response.status_code, body, headers, sorted(response.cookies.keys())


@pytest.mark.parametrize(("scenario", "surface", "accept", "language", "slash", "suffix"), CASES)
def test_A2_hidden_and_missing_answer_alike_in_every_variant(
    course: Course,
    maria: User,
    devon: User,
    outsider: User,
    scenario: str,
    surface: str,
    accept: str,
    language: str,
    slash: str,
    suffix: str,
) -> None:
    viewer_kind, visibility = SCENARIOS[scenario]
    hidden = ArtifactFactory.create(
        course=course, author=maria, visibility=visibility, title="Quokka notes on assessment", body="Private words."
    )
    missing = _missing_id_like(hidden.pk)
    viewer = _viewer(viewer_kind, devon, outsider)
    template, bearer = SURFACES[surface]

    client = Client()
    headers = {"Accept": ACCEPTS[accept], "Accept-Language": language}
    if viewer is not None:
        client.force_login(viewer)
        if bearer:
            _, secret = api_services.create_token(user=viewer, name="a2", scopes=["read"])
            headers["Authorization"] = f"Bearer {secret}"

    hidden_response = client.get(_path(template, hidden.pk, slash, suffix), headers=headers)
    missing_response = client.get(_path(template, missing, slash, suffix), headers=headers)

    # 404, a redirect to the slashed address, or 422 where `.json` makes the id no number (the REST read).
    assert hidden_response.status_code in (301, 302, 308, 404, 422), "the hidden artifact must not be shown"
    assert b"Quokka" not in hidden_response.content
    assert b"Private words" not in hidden_response.content
    hidden_answer, missing_answer = (
        _answer(hidden_response, hidden_response.content, hidden.pk),
        _answer(missing_response, missing_response.content, missing),
    )
    assert hidden_answer[0] == missing_answer[0], "A2: the same status"
    assert hidden_answer[1] == missing_answer[1], "A2: the same body"
    assert hidden_answer[2] == missing_answer[2], "A2: the same headers"
    assert hidden_answer[3] == missing_answer[3], "A2: the same cookies set"


def test_A2_the_variants_reach_the_real_views(course: Course, maria: User, devon: User) -> None:
    """The comparison above means something: the same requests for a post the viewer may see do show it."""
    shown = ArtifactFactory.create(course=course, author=maria, visibility=Visibility.COURSE, title="Quokka seen")
    client = Client()
    client.force_login(devon)
    _, secret = api_services.create_token(user=devon, name="a2", scopes=["read"])
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"/a/{shown.pk}/").status_code == 200
    assert client.get(f"/a/{shown.pk}").status_code in (301, 308)
    assert client.get(f"/api/v1/artifacts/{shown.pk}", headers=bearer).status_code == 200
    for path in (f"/api/v1/statuses/{shown.pk}", f"/api/v1/statuses/{shown.pk}/"):
        assert client.get(path, headers=bearer).status_code == 200
