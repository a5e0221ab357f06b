"""The plan libraries of the role templates: ``plan_libraries/<slug>.plans``, plans in their text form.

They are data, read by the real parser (``agents.reasoning.plans.text``) once per process; a library that
does not parse fails loudly, and the tests load every one of them through the plan services' validation.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

from agents.reasoning.plans.text import text_to_plans

LIBRARIES_PATH = Path(__file__).resolve().parent / "plan_libraries"


def plan_library_slugs() -> list[str]:
    """The role templates that have a library, by the files there are."""
    return sorted(path.stem for path in LIBRARIES_PATH.glob("*.plans"))


@functools.cache
def _parsed(slug: str) -> tuple[dict[str, Any], ...]:
    path = LIBRARIES_PATH / f"{slug}.plans"
    if not path.exists():
        return ()
    return tuple(text_to_plans(path.read_text(encoding="utf-8"), field=f"plan_libraries/{slug}.plans"))


def plan_library(slug: str) -> list[dict[str, Any]]:
    """The plan documents of the role template ``slug`` in file order (which becomes their source order);
    empty for a role without a library. Copies: a caller may change them."""
    return copy.deepcopy(list(_parsed(slug)))
