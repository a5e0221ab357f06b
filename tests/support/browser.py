"""Browser test helpers: Debian's Chromium driven by Playwright, and a page that records what went wrong on it.

The house standard: what a person sees is tested the way a person sees it. ``chromium_start`` launches
``/usr/bin/chromium`` (scripts/testenv.py installs the Debian package; Playwright's own browser download
is never used), and fails, never skips, when it is missing. ``WatchedPage`` wraps a Playwright page and
collects, per visit, everything a person's browser would complain about:

- console messages of type ``error``, and uncaught exceptions (``pageerror``);
- requests that failed (``requestfailed``), and same-origin static assets answered with a status >= 400;
- Content-Security-Policy violations, reported by a ``securitypolicyviolation`` listener installed
  before any page script runs (``window.__csp``).

``visit`` / ``settle`` return those problems for the page just shown; ``assert_clean`` fails with one
readable line per problem.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")

#: Runs in every document before its own scripts: each CSP violation is kept for the test to read.
CSP_LISTENER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push(`${event.effectiveDirective} blocked ${event.blockedURI || "(inline)"}`
                    + ` at ${event.sourceFile || event.documentURI}:${event.lineNumber}`
                    + (event.sample ? ` sample=${JSON.stringify(event.sample)}` : ""));
});
"""


@contextmanager
def chromium_start() -> Iterator[Any]:
    """Playwright's driver and one headless Debian Chromium, stopped on exit.

    The sync API runs an asyncio loop in this thread while it is started, which makes Django refuse ORM
    calls here ("SynchronousOnlyOperation") although nothing async touches the database: Django's
    documented switch DJANGO_ALLOW_ASYNC_UNSAFE is set for exactly as long as the driver runs.
    """
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium. scripts/testenv.py "
                    "installs it (as root, with apt-get; `make test` runs it), or: apt-get install chromium",
                    pytrace=False)
    from playwright.sync_api import sync_playwright

    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    driver = sync_playwright().start()
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        args = ["--no-sandbox"] if os.geteuid() == 0 else []  # Chromium's sandbox refuses to run as root
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=args)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        driver.stop()
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@dataclass
class WatchedPage:
    """A Playwright page on the live server, with the problems seen since the last ``visit``/``settle``."""

    page: Any
    base_url: str
    static_url: str
    problems: list[str] = field(default_factory=list)
    user: Any = None

    @classmethod
    def open(cls, context: Any, base_url: str, static_url: str) -> WatchedPage:
        context.add_init_script(CSP_LISTENER)
        watched = cls(page=context.new_page(), base_url=base_url.rstrip("/"), static_url=static_url)
        page = watched.page
        page.on("console", watched._console)
        page.on("pageerror", lambda error: watched.problems.append(f"uncaught exception: {error}"))
        page.on("requestfailed", lambda request: watched.problems.append(
            f"request failed: {request.method} {request.url} ({request.failure})"))
        page.on("response", watched._response)
        return watched

    def _console(self, message: Any) -> None:
        if message.type == "error":
            where = message.location or {}
            self.problems.append(f"console error: {message.text} ({where.get('url', '?')}:{where.get('lineNumber', '?')})")

    def _response(self, response: Any) -> None:
        static_prefix = f"{self.base_url}/{self.static_url.strip('/')}/"
        if response.status >= 400 and response.url.startswith(static_prefix):
            self.problems.append(f"static asset answered {response.status}: {response.url}")

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def visit(self, path: str) -> list[str]:
        """Open ``path`` as a person would (a navigation, every asset loaded); the problems seen there."""
        self.problems.clear()
        response = self.page.goto(self.url(path), wait_until="load")
        if response is None or response.status >= 400:
            self.problems.append(f"the page answered {response.status if response else 'nothing'}")
        return self.settle()

    def settle(self) -> list[str]:
        """After a click that loaded a page: wait for it, collect its CSP violations; the problems since."""
        self.page.wait_for_load_state("load")
        # Violation events are dispatched as tasks: let the ones of this document's last work land.
        self.page.evaluate("() => new Promise((done) => setTimeout(done, 50))")
        self.problems.extend(f"CSP violation: {v}" for v in self.page.evaluate("() => window.__csp || []"))
        found, self.problems = self.problems, []
        return found

    def assert_clean(self, what: str, problems: list[str]) -> None:
        assert not problems, f"{what} ({self.page.url}) is not clean in the browser:\n  " + "\n  ".join(problems)

    def check(self, what: str, path: str) -> None:
        """Visit ``path`` and fail on any console error, failed request or CSP violation there."""
        self.assert_clean(what, self.visit(path))

    def text(self) -> str:
        return self.page.inner_text("body")
