"""Layout that fits, measured in Chromium: at 1440 x 900 no admin page is wider than the window (the admin
index, the dashboard, every project changelist and the change page of its first row), and at 390 px (a
phone) the dashboard and the messages list are not either. Every page is also clean (no console error,
failed request or CSP violation: tests/support/browser.py), shows its JSON as JSON rather than a Python
repr, and dates in one style.

"Wider than the window" is ``document.documentElement.scrollWidth > clientWidth``: the page would scroll
sideways. A wide table that scrolls inside its own box is allowed (Django's changelist does that).
"""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.support.admin_world import admin_world

#: The apps whose admin pages are the project's (Django's own auth Group page is left to Django).
PROJECT_APPS = {"agents", "accounts", "auditlog", "mabos"}
#: A Python dict or list repr in a page's text: {'key': or [{' or ': True}.
PYTHON_REPR = re.compile(r"\{'[^'\n]{1,80}': |\[\{'|': (?:True|False|None)[,}]")
#: Django's default English datetime ("Dec. 3, 2026, 11:38 a.m.") or date ("Dec. 3, 2026"), which the
#: project's one format (config/formats/en/formats.py: 2026-12-03 11:38:00) replaces.
OTHER_DATE_STYLE = re.compile(r"\b(?:Jan|Feb|March|April|May|June|July|Aug|Sept|Oct|Nov|Dec)\.? \d{1,2}, \d{4}")

OVERFLOW = """() => {
  const root = document.documentElement;
  const wide = [...document.querySelectorAll("body *")].filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
    .filter((el) => ![...el.querySelectorAll("*")].some((child) => child.getBoundingClientRect().right > root.clientWidth + 1))
    .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}#${el.id}.${[...el.classList].join(".")} right=${Math.round(el.getBoundingClientRect().right)}`);
  return {scroll: root.scrollWidth, client: root.clientWidth, wide};
}"""


#: Words of table cells (headers, names; not code or JSON, which may break anywhere) laid out on more than one
#: line: a word broken inside. A break after a hyphen is between words.
BROKEN_WORDS = r"""() => {
  const broken = [];
  for (const cell of document.querySelectorAll("th, td")) {
    if (cell.querySelector("code, pre, input, select, textarea") || cell.closest("pre, code")) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/[^\s-]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(match[0]);
      }
    }
    if (broken.length >= 5) break;
  }
  return broken;
}"""


def project_admins() -> list[tuple[str, str]]:
    """(label, changelist URL) of every registered project ModelAdmin."""
    found = []
    for model in admin.site._registry:
        if model._meta.app_label in PROJECT_APPS:
            opts = model._meta
            found.append((f"{opts.app_label}.{opts.model_name}",
                          reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")))
    return sorted(found)


def look(admin_page, what: str, path: str) -> list[str]:
    """Visit ``path``; what is wrong with it (browser problems, overflow, Python reprs, other date styles)."""
    problems = [f"{what}: {p}" for p in admin_page.visit(path)]
    measured = admin_page.page.evaluate(OVERFLOW)
    if measured["scroll"] > measured["client"]:
        problems.append(f"{what} ({path}) is {measured['scroll']} px wide in a {measured['client']} px window; "
                        f"sticking out: {measured['wide']}")
    broken = admin_page.page.evaluate(BROKEN_WORDS)
    if broken:
        problems.append(f"{what} ({path}) breaks words inside: {broken}")
    text = admin_page.text()
    for pattern, name in ((PYTHON_REPR, "a Python repr"), (OTHER_DATE_STYLE, "a date in another style")):
        found = pattern.search(text)
        if found:
            problems.append(f"{what} ({path}) shows {name}: …{text[max(found.start() - 40, 0):found.end() + 40]}…")
    return problems


@pytest.fixture
def world(quiet):
    return admin_world()


def test_no_admin_page_is_wider_than_a_1440_px_screen(admin_page, world):
    admin_page.page.set_viewport_size({"width": 1440, "height": 900})
    problems = look(admin_page, "the admin index", reverse("admin:index"))
    visited = 0
    for label, changelist in project_admins():
        problems += look(admin_page, f"the {label} list", changelist)
        first = admin_page.page.locator("#result_list tbody tr a[href*='/change/']").first
        if first.count():
            problems += look(admin_page, f"a {label} page", first.get_attribute("href"))
            visited += 1
    problems += look(admin_page, "a message's page", reverse("admin:agents_message_change", args=[world.question.pk]))
    problems += look(admin_page, "an agent's page", reverse("admin:agents_agent_change", args=[world.cfo.pk]))
    assert not problems, "\n".join(problems)
    assert visited >= 20, f"only {visited} change pages were reached: the world builds too little"


@pytest.mark.parametrize("path", ["admin:index", "admin:agents_message_changelist"])
def test_the_dashboard_and_the_messages_list_fit_a_phone(admin_page, world, path):
    admin_page.page.set_viewport_size({"width": 390, "height": 844})
    problems = look(admin_page, path, reverse(path))
    assert not problems, "\n".join(problems)


def test_the_dashboard_panels_share_the_width(admin_page, world):
    page = admin_page.page
    page.set_viewport_size({"width": 1440, "height": 900})
    admin_page.check("the dashboard", reverse("admin:index"))
    panels = page.locator("#mabos-dashboard > .mabos-panel")
    boxes = [panels.nth(i).bounding_box() for i in range(panels.count())]
    width = page.evaluate("() => document.documentElement.clientWidth")
    assert max(box["x"] + box["width"] for box in boxes) > width * 0.85, "the grid uses the screen's width"
    assert len({round(box["y"]) for box in boxes}) < len(boxes), "some panels stand side by side"
    assert not page.evaluate(BROKEN_WORDS), "a header or a name broke inside a word"
