"""`core.arrays.among`: a list of ids as one value, on whichever database the run uses (SQLite: `json_each`;
PostgreSQL: `= ANY(array)`). The home timeline gives it the people followed.

core imports no app, so the rows come from the user model by name (`get_user_model`)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q

from core.arrays import FEW_IDS, Ids, among, one_of

pytestmark = pytest.mark.django_db


def _names(condition: Q) -> set[str]:
    return set(get_user_model().objects.filter(condition).values_list("username", flat=True))


def test_rows_whose_field_is_one_of_the_ids(
    george: AbstractBaseUser, maria: AbstractBaseUser, devon: AbstractBaseUser, outsider: AbstractBaseUser
) -> None:
    assert _names(among("pk", [george.pk, devon.pk, 10**9])) == {"george", "devon"}
    assert _names(among("id", (pk for pk in [maria.pk]))) == {"maria"}, "any iterable, read once"


def test_no_ids_match_nothing_and_negated_everything(george: AbstractBaseUser, maria: AbstractBaseUser) -> None:
    assert _names(among("pk", [])) == set()
    assert _names(~among("pk", [])) == {"george", "maria"}
    assert _names(~among("pk", [george.pk])) == {"maria"}


def test_many_ids_go_as_one_parameter(george: AbstractBaseUser, maria: AbstractBaseUser) -> None:
    """However many ids, the statement carries one bound value for them (not a placeholder per id)."""
    ids = [*range(10**8, 10**8 + 40_000), maria.pk]
    query = get_user_model().objects.filter(among("pk", ids)).query
    _, params = query.sql_with_params()
    assert len(params) == 1
    assert _names(among("pk", ids)) == {"maria"}


def test_each_id_is_made_an_int(george: AbstractBaseUser) -> None:
    """The ids are converted with int() before they are put in the one value: anything that is not a whole
    number is refused in Python, and an id given as its digits becomes that id."""
    with pytest.raises((TypeError, ValueError)):
        among("pk", ["1); DROP TABLE accounts_user; --"])  # type: ignore[list-item]  # what a caller might pass
    with pytest.raises(TypeError):
        among("pk", [None])  # type: ignore[list-item]
    digits: list = [str(george.pk)]
    condition = among("pk", digits)
    _, params = get_user_model().objects.filter(condition).query.sql_with_params()
    assert str(george.pk) in str(params[0])
    assert f'"{george.pk}"' not in str(params[0]), "sent as a number, not as text"
    assert _names(condition) == {"george"}


def test_one_of_lists_a_few_ids_and_sends_many_as_one_value(george: AbstractBaseUser, maria: AbstractBaseUser) -> None:
    def params(condition: Q) -> tuple:
        return get_user_model().objects.filter(condition).query.sql_with_params()[1]

    few = one_of("pk", {george.pk, maria.pk})
    assert _names(few) == {"george", "maria"}
    assert len(params(few)) == 2
    many = one_of("pk", [*range(10**8, 10**8 + FEW_IDS), maria.pk])
    assert _names(many) == {"maria"}
    assert len(params(many)) == 1
    assert _names(one_of("pk", [])) == set()
    assert _names(~one_of("pk", [])) == {"george", "maria"}


def test_ids_encoded_once_give_the_same_rows_in_every_query(
    george: AbstractBaseUser, maria: AbstractBaseUser, devon: AbstractBaseUser
) -> None:
    ids = Ids(str(pk) for pk in [george.pk, devon.pk])  # type: ignore[misc]  # made ints first: nothing else gets in
    first = ids.encoded()
    assert _names(among("pk", ids)) == {"george", "devon"}
    assert _names(~among("id", ids)) == {"maria"}
    assert ids.encoded() is first, "encoded once, however many queries it goes into"
    with pytest.raises(ValueError, match="invalid literal"):
        Ids(["1; DROP TABLE accounts_user"])  # type: ignore[list-item]
