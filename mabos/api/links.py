"""Links in API answers: every object carries its ``url`` (and related lists), so a person can click through.

Absolute when a request is being answered (the browsable API makes absolute
links clickable; a client can follow them as they are), else the path alone
(a serializer used outside a request, e.g. in a task). Each URL name is reversed
once per process into a template, then filled: a list of 100 messages costs no
100 ``reverse`` calls.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from mabos.request_context import current_request

_PLACEHOLDER = "00000000-0000-4000-8000-00000000abcd"


@cache
def _template(name: str) -> str:
    return reverse(name, kwargs={"pk": _PLACEHOLDER})


def absolute(path: str) -> str:
    request = current_request()
    return request.build_absolute_uri(path) if request is not None else path


def link(name: str, pk: Any = None, **query: Any) -> str:
    """The URL of ``name`` (for ``pk``, when the route takes one), with ``query`` appended."""
    path = _template(name).replace(_PLACEHOLDER, str(pk)) if pk is not None else reverse(name)
    if query:
        path = f"{path}?{urlencode({key: str(value) for key, value in query.items()})}"
    return absolute(path)
