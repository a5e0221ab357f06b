"""mabos.storable measures JSON the way PostgreSQL prints it, and refuses what PostgreSQL cannot store."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mabos.storable import MAX_JSON_DEPTH, TooDeep, Unstorable, check_json, jsonb_size

pytestmark = pytest.mark.django_db

storable_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=20)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | storable_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(storable_text, children, max_size=4),
    max_leaves=20,
)


def printed_size(value) -> int:
    """What the *_size CHECK constraints measure: length(value::jsonb::text)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT length(%s::jsonb::text)", [json.dumps(value)])
        return cursor.fetchone()[0]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(json_values)
def test_the_measured_size_is_never_less_than_postgresqls(value):
    measured = jsonb_size(value)
    printed = printed_size(value)
    # jsonb drops the sign of a negative zero ("-0.0" prints as "0.0"): the measure may be over, never under.
    assert printed <= measured <= printed + json.dumps(value).count("-0.0")


@pytest.mark.parametrize("value", [[1e300], [1e-300], [1.5e-7, -2.5e16], {"a": [1e22, 123456789.125]}])
def test_numbers_in_exponent_form_are_measured_in_full(value):
    assert jsonb_size(value) == printed_size(value) > len(json.dumps(value))


@pytest.mark.parametrize(("value", "path"), [
    ({"a": ["ok", "x\x00"]}, "a[1]"), ({"a": {"b\ud800": 1}}, "a"), ([float("inf")], "[0]"),
    ("\udfff", ""), ({"n": float("nan")}, "n"),
])
def test_what_postgresql_cannot_store_is_named_by_its_path(value, path):
    with pytest.raises(Unstorable) as refused:
        check_json(value)
    assert refused.value.path == path


def test_depth_is_limited_without_recursion():
    deep: list = []
    for _ in range(100_000):  # far deeper than Python's recursion limit: the walk is iterative
        deep = [deep]
    with pytest.raises(TooDeep):
        check_json(deep)
    ok: list = []
    for _ in range(MAX_JSON_DEPTH - 1):
        ok = [ok]
    check_json(ok)
