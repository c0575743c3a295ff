"""`core.arrays.among`: a list of ids as one value, on whichever database the run uses (SQLite: `json_each`;
PostgreSQL: `= ANY(array)`). The home timeline gives it the people followed."""

import pytest
from django.db.models import Q

from accounts.models import User
from core.arrays import among

pytestmark = pytest.mark.django_db


def _names(condition: Q) -> set[str]:
    return set(User.objects.filter(condition).values_list("username", flat=True))


def test_rows_whose_field_is_one_of_the_ids(george: User, maria: User, devon: User, outsider: User) -> None:
    assert _names(among("pk", [george.pk, devon.pk, 10**9])) == {"george", "devon"}
    assert _names(among("id", (pk for pk in [maria.pk]))) == {"maria"}, "any iterable, read once"


def test_no_ids_match_nothing_and_negated_everything(george: User, maria: User) -> None:
    assert _names(among("pk", [])) == set()
    assert _names(~among("pk", [])) == {"george", "maria"}
    assert _names(~among("pk", [george.pk])) == {"maria"}


def test_more_ids_than_a_query_may_have_parameters(george: User, maria: User) -> None:
    """One value, however many ids: SQLite refuses a statement with more than 32,766 parameters."""
    ids = [*range(10**8, 10**8 + 40_000), maria.pk]
    assert _names(among("pk", ids)) == {"maria"}


def test_ids_are_integers_only(george: User) -> None:
    with pytest.raises((TypeError, ValueError)):
        among("pk", ["1); DROP TABLE accounts_user; --"])  # type: ignore[list-item]  # what a caller might pass
    digits: list = [str(george.pk)]  # an id given as its digits is that id
    assert _names(among("pk", digits)) == {"george"}
