"""Every test here starts with no throttle counters, lockouts or denylisted tokens."""

import pytest

from tests.support.api import api, make_user, reset_shared_state  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def _clean_shared_state(db):
    reset_shared_state()
