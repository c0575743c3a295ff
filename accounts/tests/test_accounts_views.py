"""Sign-up, log-in/out, password reset and the settings page, through the test client."""

import io
import re
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts.models import User
from accounts.tests.factories import PASSWORD
from core.formguard import stamp

STRONG = "a-long-and-unusual-passphrase"


def signup_data(**overrides: str) -> dict[str, str]:
    data = {
        "username": "new_teacher",
        "email": "New.Teacher@example.org",
        "display_name": "New Teacher",
        "password1": STRONG,
        "password2": STRONG,
        "rendered": stamp(ago=60),  # the form was shown a minute ago (core.formguard)
    }
    data.update(overrides)
    return data


# Sign-up


@pytest.mark.django_db
def test_signup_page_is_valid_html(client: Client, valid_html: Callable[[bytes], None]) -> None:
    response = client.get(reverse("accounts:signup"))
    assert response.status_code == 200
    valid_html(response.content)
    assert b'autocomplete="username"' in response.content


@pytest.mark.django_db
def test_signup_creates_account_logs_in_and_goes_home(client: Client) -> None:
    response = client.post(reverse("accounts:signup"), signup_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    user = User.objects.get(username="new_teacher")
    assert user.email == "new.teacher@example.org"
    assert user.display_name == "New Teacher"
    assert client.session[SESSION_KEY] == str(user.pk)


@pytest.mark.django_db
def test_signup_follows_a_safe_next(client: Client) -> None:
    response = client.post(reverse("accounts:signup") + "?next=/courses/", signup_data())
    assert response["Location"] == "/courses/"


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["//evil.test/", "https://evil.test/", "/\\evil.test"])
def test_signup_ignores_an_offsite_next(client: Client, target: str) -> None:
    response = client.post(reverse("accounts:signup"), {**signup_data(), "next": target})
    assert response["Location"] == reverse("home")


@pytest.mark.django_db
def test_refused_signup_keeps_what_was_typed(client: Client, maria: User, valid_html: Callable[[bytes], None]) -> None:
    response = client.post(reverse("accounts:signup"), signup_data(username="Maria", display_name="Ms <b>Bold</b>"))
    assert response.status_code == 200
    valid_html(response.content)
    html = response.content.decode()
    assert "That handle is taken" in html
    assert 'value="New.Teacher@example.org"' in html
    assert "Ms &lt;b&gt;Bold&lt;/b&gt;" in html
    assert 'aria-invalid="true"' in html
    assert not User.objects.filter(email__iexact="new.teacher@example.org").exists()


@pytest.mark.django_db
def test_signup_with_a_taken_email_in_other_case_is_refused(client: Client, maria: User) -> None:
    response = client.post(reverse("accounts:signup"), signup_data(email="MARIA@example.org"))
    assert response.status_code == 200
    assert "already has an account" in response.content.decode()
    assert User.objects.filter(email__iexact="maria@example.org").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["Zq7#pL2", "password123", "1234567890", "qwertyuiop"])
def test_S3_short_or_common_passwords_are_refused(client: Client, password: str) -> None:
    response = client.post(reverse("accounts:signup"), signup_data(password1=password, password2=password))
    assert response.status_code == 200
    assert not User.objects.filter(username="new_teacher").exists()


@pytest.mark.real_hashers
@pytest.mark.django_db
def test_S3_a_long_password_is_accepted_and_stored_with_argon2(client: Client) -> None:
    password = "correct horse battery staple and a great many more words to make it long"
    assert len(password) >= 64
    response = client.post(reverse("accounts:signup"), signup_data(password1=password, password2=password))
    assert response.status_code == 302
    user = User.objects.get(username="new_teacher")
    assert user.password.startswith("argon2")
    assert user.check_password(password)


@pytest.mark.django_db
def test_signed_in_person_visiting_signup_is_sent_home(login: Callable[[User], Client], maria: User) -> None:
    response = login(maria).get(reverse("accounts:signup"))
    assert response.status_code == 302


# CSRF (S5)


@pytest.mark.django_db
def test_S5_signup_without_csrf_token_is_refused() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:signup"), signup_data())
    assert response.status_code == 403
    assert not User.objects.filter(username="new_teacher").exists()


@pytest.mark.django_db
def test_S5_login_without_csrf_token_is_refused(maria: User) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "maria", "password": PASSWORD})
    assert response.status_code == 403
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_S5_settings_without_csrf_token_is_refused(maria: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(maria)
    response = client.post(reverse("accounts:settings"), {"display_name": "Hacked", "role": "teacher"})
    assert response.status_code == 403
    maria.refresh_from_db()
    assert maria.display_name == "Maria López"


@pytest.mark.django_db
def test_logout_by_get_is_refused_and_keeps_the_session(login: Callable[[User], Client], maria: User) -> None:
    client = login(maria)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert SESSION_KEY in client.session


# Log in and out, and where `next` may send someone (A8)


@pytest.mark.django_db
def test_login_page_is_valid_html(client: Client, valid_html: Callable[[bytes], None]) -> None:
    response = client.get(reverse("accounts:login") + "?next=/courses/")
    assert response.status_code == 200
    valid_html(response.content)
    assert b'name="next" value="/courses/"' in response.content


@pytest.mark.django_db
def test_login_with_right_password_goes_to_next(client: Client, maria: User) -> None:
    response = client.post(reverse("accounts:login"), {"username": "maria", "password": PASSWORD, "next": "/courses/"})
    assert response.status_code == 302
    assert response["Location"] == "/courses/"
    assert client.session[SESSION_KEY] == str(maria.pk)


@pytest.mark.django_db
def test_login_with_wrong_password_keeps_handle_and_says_why(client: Client, maria: User) -> None:
    response = client.post(reverse("accounts:login"), {"username": "maria", "password": "wrong-password"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="maria"' in html
    assert "correct" in html
    assert SESSION_KEY not in client.session


OFFSITE_TARGETS = [
    "//evil.test",
    "//evil.test/path",
    "/\\evil.test",
    "\\\\evil.test",
    "https:evil.test",
    "https://evil.test/",
    "http:/evil.test",
    " //evil.test",
    "\t//evil.test",
    "/\t/evil.test",
    "//evil.test ",
    "javascript:alert(1)",
    "///evil.test",
]


@pytest.mark.django_db
@pytest.mark.parametrize("target", OFFSITE_TARGETS)
def test_A8_login_never_redirects_off_site(client: Client, maria: User, target: str) -> None:
    response = client.post(reverse("accounts:login"), {"username": "maria", "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.django_db
@pytest.mark.parametrize("target", OFFSITE_TARGETS)
def test_A8_login_via_query_string_never_redirects_off_site(client: Client, maria: User, target: str) -> None:
    url = reverse("accounts:login") + "?" + urlencode({"next": target})
    response = client.post(url, {"username": "maria", "password": PASSWORD})
    assert response["Location"] == reverse("home")


@pytest.mark.django_db
@pytest.mark.parametrize("target", OFFSITE_TARGETS)
def test_A8_login_form_never_carries_an_offsite_next(client: Client, target: str) -> None:
    response = client.get(reverse("accounts:login"), {"next": target})
    assert response.context["next"] == ""
    assert 'name="next"' not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("target", OFFSITE_TARGETS)
def test_A8_logout_never_redirects_off_site(login: Callable[[User], Client], maria: User, target: str) -> None:
    client = login(maria)
    response = client.post(reverse("accounts:logout"), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_logout_follows_a_local_next(login: Callable[[User], Client], maria: User) -> None:
    response = login(maria).post(reverse("accounts:logout"), {"next": "/courses/"})
    assert response["Location"] == "/courses/"


@pytest.mark.django_db
def test_signed_in_person_visiting_login_is_sent_on(login: Callable[[User], Client], maria: User) -> None:
    response = login(maria).get(reverse("accounts:login"), {"next": "//evil.test"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


# Password reset (S6) and change


def reset_link(body: object) -> str:
    match = re.search(r"https?://\S+/accounts/password/reset/\S+/\S+/", str(body))
    assert match, body
    return match.group(0)


@pytest.mark.django_db
def test_S6_reset_link_uses_site_url_not_the_request_host(client: Client, maria: User, settings) -> None:
    settings.SITE_URL = "https://commonplace.example"
    settings.ALLOWED_HOSTS = ["commonplace.example", "evil.test"]
    response = client.post(reverse("accounts:password_reset"), {"email": "maria@example.org"}, HTTP_HOST="evil.test")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maria@example.org"]
    assert "evil.test" not in message.body
    assert reset_link(message.body).startswith("https://commonplace.example/accounts/password/reset/")


@pytest.mark.django_db
def test_S6_reset_request_from_a_disallowed_host_is_refused(client: Client, maria: User) -> None:
    response = client.post(reverse("accounts:password_reset"), {"email": "maria@example.org"}, HTTP_HOST="evil.test")
    assert response.status_code == 400
    assert mail.outbox == []


@pytest.mark.django_db
def test_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(client: Client) -> None:
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


@pytest.mark.real_hashers
@pytest.mark.django_db
def test_reset_link_lets_a_person_choose_a_new_password(
    client: Client, maria: User, settings, valid_html: Callable[[bytes], None]
) -> None:
    settings.SITE_URL = "http://testserver"
    client.post(reverse("accounts:password_reset"), {"email": "maria@example.org"})
    path = reset_link(mail.outbox[0].body).removeprefix("http://testserver")
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    valid_html(form_page.content)
    assert b"Choose a new password" in form_page.content
    new = "a-brand-new-and-long-passphrase"
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True)
    assert done.status_code == 200
    valid_html(done.content)
    maria.refresh_from_db()
    assert maria.check_password(new)
    assert maria.password.startswith("argon2")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["accounts:password_reset", "accounts:password_reset_done", "accounts:password_reset_complete"]
)
def test_password_reset_pages_are_valid_html(client: Client, name: str, valid_html: Callable[[bytes], None]) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 200
    valid_html(response.content)


@pytest.mark.django_db
def test_password_change_pages_work(login: Callable[[User], Client], maria: User, valid_html) -> None:
    client = login(maria)
    page = client.get(reverse("accounts:password_change"))
    valid_html(page.content)
    new = "another-long-unusual-passphrase"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        follow=True,
    )
    valid_html(response.content)
    assert b"Your password is changed" in response.content
    maria.refresh_from_db()
    assert maria.check_password(new)


# Settings page


def profile_data(**overrides: str) -> dict[str, str]:
    data = {
        "display_name": "Maria L.",
        "bio": "Grade 5 teacher. I <3 books & <script>alert(1)</script>",
        "role": "teacher",
        "subjects": "Science, Maths",
        "grade_levels": "Grade 5",
        "time_zone": "America/Mexico_City",
        "website": "",
        "blog_url": "https://maria.example/blog",
        "avatar_alt": "",
    }
    data.update(overrides)
    return data


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 30.0)
    gps[3] = "E"
    gps[4] = (2.0, 21.0, 5.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    data = buffer.getvalue()
    with Image.open(io.BytesIO(data)) as check:
        assert check.getexif().get_ifd(0x8825), "the test image must carry GPS data"
    return data


def upload(name: str, data: bytes) -> io.BytesIO:
    file = io.BytesIO(data)
    file.name = name
    return file


@pytest.mark.django_db
def test_settings_needs_login(client: Client) -> None:
    response = client.get(reverse("accounts:settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_settings_page_is_valid_html_and_escapes_the_bio(
    login: Callable[[User], Client], maria: User, valid_html
) -> None:
    maria.bio = "<script>alert(1)</script>"
    maria.save()
    response = login(maria).get(reverse("accounts:settings"))
    assert response.status_code == 200
    valid_html(response.content)
    assert b"<script>alert(1)" not in response.content
    assert b"&lt;script&gt;alert(1)" in response.content


@pytest.mark.django_db
def test_settings_saves_the_profile(login: Callable[[User], Client], maria: User) -> None:
    response = login(maria).post(reverse("accounts:settings"), profile_data())
    assert response.status_code == 302
    maria.refresh_from_db()
    assert maria.display_name == "Maria L."
    assert maria.time_zone == "America/Mexico_City"
    assert maria.blog_url == "https://maria.example/blog"


@pytest.mark.django_db
def test_settings_refused_keeps_what_was_typed(login: Callable[[User], Client], maria: User, valid_html) -> None:
    response = login(maria).post(reverse("accounts:settings"), profile_data(website="not a url"))
    assert response.status_code == 200
    valid_html(response.content)
    html = response.content.decode()
    assert 'value="Maria L."' in html
    assert "Enter a valid URL" in html
    maria.refresh_from_db()
    assert maria.display_name == "Maria López"


@pytest.mark.django_db
def test_avatar_upload_is_reencoded_without_exif(login: Callable[[User], Client], maria: User) -> None:
    data = profile_data(avatar_alt="Maria smiling in front of a bookshelf")
    data["avatar_file"] = upload("holiday.jpg", jpeg_with_gps())  # type: ignore[assignment]
    response = login(maria).post(reverse("accounts:settings"), data)
    assert response.status_code == 302
    maria.refresh_from_db()
    assert maria.avatar
    assert "holiday" not in str(maria.avatar.name)
    with maria.avatar.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "exif" not in image.info


@pytest.mark.django_db
def test_avatar_that_is_not_an_image_is_a_field_error(login: Callable[[User], Client], maria: User, valid_html) -> None:
    data = profile_data(avatar_alt="A picture")
    data["avatar_file"] = upload("evil.png", b"\x89PNG\r\n\x1a\n<html><script>x</script>")  # type: ignore[assignment]
    response = login(maria).post(reverse("accounts:settings"), data)
    assert response.status_code == 200
    valid_html(response.content)
    form = response.context["form"]
    assert form.errors["avatar_file"] == ["That file is not a JPEG, PNG, GIF or WebP image."]
    assert 'value="Maria L."' in response.content.decode()
    maria.refresh_from_db()
    assert not maria.avatar
    assert maria.display_name == "Maria López"


@pytest.mark.django_db
def test_avatar_needs_a_description(login: Callable[[User], Client], maria: User) -> None:
    data = profile_data()
    data["avatar_file"] = upload("me.jpg", jpeg_with_gps())  # type: ignore[assignment]
    response = login(maria).post(reverse("accounts:settings"), data)
    assert response.status_code == 200
    assert "avatar_alt" in response.context["form"].errors
    maria.refresh_from_db()
    assert not maria.avatar


@pytest.mark.django_db
def test_avatar_can_be_removed(login: Callable[[User], Client], maria: User) -> None:
    client = login(maria)
    data = profile_data(avatar_alt="Me")
    data["avatar_file"] = upload("me.jpg", jpeg_with_gps())  # type: ignore[assignment]
    client.post(reverse("accounts:settings"), data)
    client.post(reverse("accounts:settings"), {**profile_data(avatar_alt="Me"), "remove_avatar": "on"})
    maria.refresh_from_db()
    assert not maria.avatar


@pytest.mark.django_db
def test_settings_only_changes_the_signed_in_person(login: Callable[[User], Client], maria: User, devon: User) -> None:
    response = login(maria).post(reverse("accounts:settings"), {**profile_data(), "id": devon.pk, "username": "x"})
    assert response.status_code == 302
    devon.refresh_from_db()
    maria.refresh_from_db()
    assert devon.display_name == "Devon Clarke"
    assert maria.username == "maria"
