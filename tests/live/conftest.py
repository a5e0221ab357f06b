"""One `make run` for the whole folder, on a fresh clone's terms: real gunicorn, Celery worker and beat.

The modules run in file-name order against it: the first five minutes (what the terminal prints, the docs'
first conversation), the living business in a browser, and last the stop (Ctrl-C), which ends it.
"""

from __future__ import annotations

import pytest

from tests.support.make_run import Terminal, make_run_started


@pytest.fixture(scope="package")
def make_run(tmp_path_factory) -> Terminal:
    with make_run_started(tmp_path_factory.mktemp("make-run")) as terminal:
        yield terminal
