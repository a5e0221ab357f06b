"""The sequence diagram (issue 14, part 8): one lifeline per participant, arrows in send order labelled with
their performatives, the state and deadlines, every text escaped, and no inline style or script (the CSP)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

import pytest

from agents.models import Message, ProtocolSession
from agents.protocols.diagram import sequence_svg
from agents.protocols.people import run_cancel
from tests.support.actors import SYSTEM
from tests.support.factories import OrganizationFactory
from tests.support.protocols import protocol_run

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def _draw(run):
    sessions = list(ProtocolSession.objects.filter(run=run).select_related("participant"))
    messages = list(Message.objects.filter(conversation_id=run.pk).select_related("sender_agent", "sender_user")
                    .prefetch_related("deliveries").order_by("created_at", "id"))
    return sequence_svg(run, sessions, messages)


def test_lifelines_arrows_in_order_state_and_deadlines():
    run = protocol_run()
    run_cancel(by=SYSTEM, run=run, reason="enough")
    run.refresh_from_db()
    tree = ElementTree.fromstring(_draw(run))  # noqa: S314  (our own markup: well-formed XML)
    names = [t.text for t in tree.iter(f"{SVG}text") if t.get("class") == "seq-name"]
    assert names == ["CEO (initiator)", "Supplier"]
    assert len([line for line in tree.iter(f"{SVG}line") if line.get("class") == "seq-lifeline"]) == 2
    arrows = [line for line in tree.iter(f"{SVG}line") if "seq-arrow" in line.get("class", "")]
    labels = [t.text.strip() for t in tree.iter(f"{SVG}text") if t.get("class") == "seq-label"]
    assert labels == ["request", "cancel"]
    assert all(float(a.get("x1")) < float(a.get("x2")) for a in arrows)  # both from the initiator, rightwards
    assert [float(a.get("y1")) for a in arrows] == sorted(float(a.get("y1")) for a in arrows)
    texts = " ".join(t.text or "" for t in tree.iter(f"{SVG}text"))
    assert "cancelled" in texts and "enough" in texts and "response by" in texts


def test_every_text_is_escaped_and_nothing_is_inline_styled_or_scripted():
    org = OrganizationFactory()
    run = protocol_run(organization=org)
    run.initiator.name = '<script>alert("x")</script>'
    run.reason = '"><img src=x onerror=alert(1)>'
    svg = _draw(run)
    assert "<script" not in svg and "<img" not in svg
    assert "&lt;script&gt;" in svg and "&quot;&gt;&lt;img" in svg
    assert not re.search(r"\sstyle=", svg) and "<style" not in svg
    ElementTree.fromstring(svg)  # noqa: S314  (our own markup, still well-formed)
