"""Integrity-check registry: consistency rules that must hold across the whole database.

Constraints guard each row; these checks guard what constraints cannot express
(relations across tables, tree shapes). Each check is a query that returns the
offending rows, so an empty result means healthy. Apps declare theirs in
``<app>/integrity.py`` with :func:`integrity_check`; ``manage.py
check_integrity`` runs them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection


@dataclass(frozen=True)
class IntegrityCheck:
    name: str
    description: str
    query: Callable[[], Iterable[Any]]


@dataclass(frozen=True)
class Violation:
    check: IntegrityCheck
    rows: list[Any]
    total: int


_REGISTRY: dict[str, IntegrityCheck] = {}


def integrity_check(name: str, description: str) -> Callable[[Callable[[], Iterable[Any]]], Callable]:
    """Register a function returning offending rows (a QuerySet or any iterable)."""

    def register(func: Callable[[], Iterable[Any]]) -> Callable[[], Iterable[Any]]:
        register_integrity_check(IntegrityCheck(name=name, description=description, query=func))
        return func

    return register


def register_integrity_check(check: IntegrityCheck) -> None:
    _REGISTRY[check.name] = check


def unregister_integrity_check(name: str) -> None:
    _REGISTRY.pop(name, None)


def sql_check(name: str, description: str, sql: str) -> IntegrityCheck:
    """A check written as raw SQL, for rules that are clearer in SQL than in the ORM."""

    def run() -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    check = IntegrityCheck(name=name, description=description, query=run)
    register_integrity_check(check)
    return check


def registered_checks() -> list[IntegrityCheck]:
    return sorted(_REGISTRY.values(), key=lambda c: c.name)


def run_integrity_checks(*, sample: int = 10) -> list[Violation]:
    """Run every check; return one Violation per failing check with up to ``sample`` rows."""
    violations = []
    for check in registered_checks():
        result = check.query()
        if hasattr(result, "count") and hasattr(result, "query"):  # a QuerySet: count in SQL
            total = result.count()
            rows = list(result[:sample]) if total else []
        else:
            rows = list(result)
            total = len(rows)
            rows = rows[:sample]
        if total:
            violations.append(Violation(check=check, rows=rows, total=total))
    return violations
