"""Publishing, showing, editing and deleting learning artifacts."""

import io

import html5lib
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from posts import services
from posts.models import Artifact, Kind, Visibility
from posts.tests.conftest import jpeg_with_exif


def _dangerous_markup(content: bytes) -> list[str]:
    """Script elements, event-handler attributes, javascript: links and foreign frames in the parsed page."""
    tree = html5lib.parse(content, namespaceHTMLElements=False)
    found = []
    for element in tree.iter():
        tag = str(element.tag)
        if tag == "script" and "src" not in element.attrib:
            found.append("inline script")
        if tag in {"object", "embed"} or (tag == "iframe" and "youtube-nocookie" not in element.get("src", "")):
            found.append(tag)
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"{tag} {name}")
            if name in {"href", "src"} and value.strip().lower().startswith(("javascript:", "data:")):
                found.append(f"{tag} {name}={value}")
    return found


def _publish_url(course) -> str:
    return reverse("posts:publish", args=[course.slug])


# Publishing


def test_publish_page_preselects_the_prompt_from_the_query(login, maria, course, prompt, valid_html) -> None:
    response = login(maria).get(_publish_url(course), {"prompt": prompt.pk})
    assert response.status_code == 200
    valid_html(response.content)
    assert f'<option value="{prompt.pk}" selected>' in response.content.decode()


def test_anonymous_publish_goes_to_login(client, course) -> None:
    response = client.get(_publish_url(course))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_non_member_is_asked_to_join_first(login, outsider, course, valid_html) -> None:
    client = login(outsider)
    response = client.get(_publish_url(course))
    assert response.status_code == 403
    valid_html(response.content)
    assert "Join" in response.content.decode()
    assert reverse("courses:join", args=[course.slug]) in response.content.decode()
    response = client.post(_publish_url(course), {"kind": "post", "title": "Sneaky", "visibility": "public"})
    assert response.status_code == 403
    assert not Artifact.objects.filter(title="Sneaky").exists()


def test_member_publishes_a_post_answering_a_prompt_with_tags(login, maria, course, prompt) -> None:
    response = login(maria).post(
        _publish_url(course),
        {
            "kind": "post",
            "title": "Why I tried genius hour",
            "body": "It was **great**. #StudentVoice",
            "prompt": prompt.pk,
            "tags": "Genius Hour, reflection",
            "visibility": "public",
        },
    )
    artifact = Artifact.objects.get(title="Why I tried genius hour")
    assert response.status_code == 302
    assert response["Location"] == artifact.get_absolute_url()
    assert artifact.author == maria
    assert artifact.prompt == prompt
    assert "<strong>great</strong>" in artifact.body_html
    assert {t.name for t in artifact.tags.all()} == {"genius-hour", "reflection", "studentvoice", "immooc-w1-p1"}


def test_publish_errors_keep_what_was_typed(login, maria, course) -> None:
    response = login(maria).post(
        _publish_url(course),
        {"kind": "link", "title": "My link", "body": "Some words I typed", "url": "", "visibility": "public"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please paste the address" in html
    assert "Some words I typed" in html
    assert 'value="My link"' in html
    assert not Artifact.objects.exists()


def test_prompt_from_another_course_is_refused(login, maria, course) -> None:
    from courses.tests.factories import PromptFactory

    foreign = PromptFactory.create()
    response = login(maria).post(
        _publish_url(course), {"kind": "post", "title": "X", "prompt": foreign.pk, "visibility": "public"}
    )
    assert response.status_code == 200
    assert not Artifact.objects.exists()


def test_image_upload_is_reencoded_without_metadata_and_shown_with_alt_and_size(
    login, maria, course, valid_html
) -> None:
    original = jpeg_with_exif()
    assert Image.open(io.BytesIO(original)).getexif()
    client = login(maria)
    response = client.post(
        _publish_url(course),
        {
            "kind": "image",
            "title": "Our maker wall",
            "image": SimpleUploadedFile("wall.jpg", original, content_type="image/jpeg"),
            "image_alt": "A wall of student prototypes",
            "visibility": "public",
        },
    )
    assert response.status_code == 302
    artifact = Artifact.objects.get(title="Our maker wall")
    stored = artifact.image.read()
    assert stored != original
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert b"SpyCam" not in stored
    page = client.get(artifact.get_absolute_url())
    valid_html(page.content)
    html = page.content.decode()
    assert f'src="{artifact.image.url}" alt="A wall of student prototypes" width="40" height="30"' in html
    assert client.get(artifact.image.url).status_code == 200


def test_image_needs_alt_text_and_a_real_image(login, maria, course) -> None:
    client = login(maria)
    response = client.post(
        _publish_url(course),
        {
            "kind": "image",
            "title": "No alt",
            "image": SimpleUploadedFile("a.jpg", jpeg_with_exif(), content_type="image/jpeg"),
            "visibility": "public",
        },
    )
    assert "Please describe the image" in response.content.decode()
    response = client.post(
        _publish_url(course),
        {
            "kind": "image",
            "title": "Not an image",
            "image": SimpleUploadedFile("a.svg", b"<svg onload=alert(1)></svg>", content_type="image/svg+xml"),
            "image_alt": "x",
            "visibility": "public",
        },
    )
    assert response.status_code == 200
    assert "not a JPEG, PNG, GIF or WebP image" in response.content.decode()
    assert not Artifact.objects.exists()


# Showing


@pytest.mark.parametrize(
    ("url", "embed"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1"),
    ],
)
def test_video_from_allowlisted_provider_becomes_privacy_enhanced_embed(
    client, course, maria, url, embed, valid_html
) -> None:
    artifact = services.publish(author=maria, course=course, kind=Kind.VIDEO, title="My video", url=url)
    response = client.get(artifact.get_absolute_url())
    valid_html(response.content)
    html = response.content.decode()
    assert f'<iframe src="{embed.replace("&", "&amp;")}" title="Video: My video"' in html
    assert 'sandbox="allow-scripts allow-same-origin allow-presentation"' in html
    assert "allowfullscreen" in html
    assert 'referrerpolicy="strict-origin-when-cross-origin"' in html


@pytest.mark.parametrize(
    "url",
    [
        "https://youtube.com.evil.test/watch?v=dQw4w9WgXcQ",
        "https://evil.test/youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com@evil.test/watch?v=dQw4w9WgXcQ",
        "https://example.org/video.mp4",
    ],
)
def test_video_from_any_other_host_stays_a_plain_link(client, course, maria, url) -> None:
    artifact = services.publish(author=maria, course=course, kind=Kind.VIDEO, title="Lookalike", url=url)
    html = client.get(artifact.get_absolute_url()).content.decode()
    assert "<iframe" not in html
    assert 'rel="nofollow ugc noopener noreferrer"' in html


def test_malicious_markdown_and_titles_render_no_script(client, course, maria, valid_html) -> None:
    maria.display_name = "<script>alert('name')</script>"
    maria.save()
    body = (
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
        '[click](javascript:alert(3)) <a href="javascript:alert(4)">x</a>\n\n'
        "<iframe src=https://evil.test></iframe> #tag<script>"
    )
    artifact = services.publish(
        author=maria, course=course, kind=Kind.POST, title="<script>alert('title')</script>", body=body
    )
    for url in (
        artifact.get_absolute_url(),
        reverse("network:stream", args=[course.slug]),
        course.get_absolute_url(),
        maria.get_absolute_url(),
    ):
        response = client.get(url)
        assert response.status_code == 200
        valid_html(response.content)
        assert _dangerous_markup(response.content) == []
    assert (
        "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;"
        in client.get(artifact.get_absolute_url()).content.decode()
    )


def test_artifact_page_shows_everything(client, login, course, maria, george, prompt, valid_html) -> None:
    artifact = services.publish(
        author=maria,
        course=course,
        kind=Kind.LINK,
        title="A great article",
        body="Read *this*.",
        url="https://example.org/article",
        prompt=prompt,
        tags=["reading"],
    )
    response = client.get(artifact.get_absolute_url())
    valid_html(response.content)
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert maria.get_absolute_url() in html
    assert course.get_absolute_url() in html
    assert prompt.get_absolute_url() in html
    assert reverse("posts:tag", args=["reading"]) in html
    assert reverse("posts:tag", args=["immooc-w1-p1"]) in html
    # The original is reached through the tracked /go/ link, so opening it counts as reading it.
    go = reverse("network:go", args=[artifact.pk])
    assert f'<a href="{go}" rel="nofollow ugc noopener noreferrer">https://example.org/article</a>' in html
    assert "<em>this</em>" in html
    assert reverse("posts:artifact_edit", args=[artifact.pk]) not in html
    html = login(maria).get(artifact.get_absolute_url()).content.decode()
    assert reverse("posts:artifact_edit", args=[artifact.pk]) in html
    assert reverse("posts:artifact_delete", args=[artifact.pk]) in html
    html = login(george).get(artifact.get_absolute_url()).content.decode()
    assert reverse("posts:artifact_edit", args=[artifact.pk]) not in html
    assert reverse("posts:artifact_delete", args=[artifact.pk]) in html


# Editing and deleting (A6)


def test_author_edits_own_artifact(login, maria, course, public_post, valid_html) -> None:
    client = login(maria)
    url = reverse("posts:artifact_edit", args=[public_post.pk])
    response = client.get(url)
    valid_html(response.content)
    assert 'value="Public reflection"' in response.content.decode()
    response = client.post(url, {"kind": "post", "title": "Better title", "body": "New", "visibility": "course"})
    assert response.status_code == 302
    public_post.refresh_from_db()
    assert public_post.title == "Better title"
    assert public_post.visibility == Visibility.COURSE


@pytest.mark.parametrize("who", ["devon", "george", "outsider"])
def test_others_cannot_edit_an_artifact(login, request, public_post, who) -> None:
    client = login(request.getfixturevalue(who))
    url = reverse("posts:artifact_edit", args=[public_post.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"kind": "post", "title": "Hijacked", "visibility": "public"})
    assert response.status_code == 403
    public_post.refresh_from_db()
    assert public_post.title == "Public reflection"


@pytest.mark.parametrize("who", ["devon", "outsider"])
def test_others_cannot_delete_an_artifact(login, request, public_post, who) -> None:
    client = login(request.getfixturevalue(who))
    url = reverse("posts:artifact_delete", args=[public_post.pk])
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert Artifact.objects.filter(pk=public_post.pk).exists()


def test_anonymous_cannot_edit_or_delete(client, public_post) -> None:
    assert client.post(reverse("posts:artifact_delete", args=[public_post.pk])).status_code == 302
    assert client.post(reverse("posts:artifact_edit", args=[public_post.pk]), {"title": "x"}).status_code == 302
    public_post.refresh_from_db()
    assert public_post.title == "Public reflection"


@pytest.mark.parametrize("who", ["maria", "george"])
def test_author_or_facilitator_deletes_after_confirming(login, request, course, public_post, who, valid_html) -> None:
    client = login(request.getfixturevalue(who))
    url = reverse("posts:artifact_delete", args=[public_post.pk])
    response = client.get(url)
    assert response.status_code == 200
    valid_html(response.content)
    assert Artifact.objects.filter(pk=public_post.pk).exists()
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == course.get_absolute_url()
    assert not Artifact.objects.filter(pk=public_post.pk).exists()


def test_missing_artifact_edit_and_delete_are_404(login, maria, db) -> None:
    client = login(maria)
    assert client.get(reverse("posts:artifact_edit", args=[424242])).status_code == 404
    assert client.post(reverse("posts:artifact_delete", args=[424242])).status_code == 404


def test_draft_is_hidden_from_others_but_editable_by_author(login, maria, devon, draft_post) -> None:
    assert login(devon).get(draft_post.get_absolute_url()).status_code == 404
    html = login(maria).get(draft_post.get_absolute_url()).content.decode()
    assert "Private draft" in html
    assert "Publish this draft to open it for comments." in html


def test_oversized_image_is_refused_before_processing(login, maria, course, settings) -> None:
    settings.IMAGE_MAX_BYTES = 100
    response = login(maria).post(
        _publish_url(course),
        {
            "kind": "image",
            "title": "Too big",
            "image": SimpleUploadedFile("big.jpg", jpeg_with_exif(), content_type="image/jpeg"),
            "image_alt": "Big",
            "visibility": "public",
        },
    )
    assert response.status_code == 200
    assert "larger than" in response.content.decode()
    assert not Artifact.objects.exists()
