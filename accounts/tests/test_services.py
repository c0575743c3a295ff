"""Account services: registration and profile changes."""

import pytest

from accounts import services
from accounts.models import User
from core.exceptions import Invalid
from core.images import ImageRejected


@pytest.mark.real_hashers
@pytest.mark.django_db
def test_register_stores_lower_case_email_and_an_argon2_hash() -> None:
    user = services.register(username="new_one", email="New@Example.org", password="a-long-unusual-passphrase")
    assert user.email == "new@example.org"
    assert user.password.startswith("argon2")


@pytest.mark.django_db
def test_register_refuses_a_handle_taken_in_another_case(maria: User) -> None:
    with pytest.raises(Invalid, match="handle is taken"):
        services.register(username="MARIA", email="other@example.org", password="a-long-unusual-passphrase")


@pytest.mark.django_db
def test_register_refuses_a_weak_password() -> None:
    with pytest.raises(Invalid):
        services.register(username="weak", email="weak@example.org", password="password1")
    assert not User.objects.filter(username="weak").exists()


@pytest.mark.django_db
def test_update_profile_refuses_a_file_that_is_not_an_image(maria: User) -> None:
    with pytest.raises(ImageRejected):
        services.update_profile(user=maria, avatar=b"%PDF-1.4 not an image", avatar_alt="x")
    maria.refresh_from_db()
    assert not maria.avatar


@pytest.mark.django_db
def test_update_profile_reports_bad_fields_as_invalid(maria: User) -> None:
    with pytest.raises(Invalid):
        services.update_profile(user=maria, website="not a url")
    with pytest.raises(Invalid, match="Unknown profile fields"):
        services.update_profile(user=maria, is_staff="1")
