"""A conversation as a sequence diagram (JADE's Sniffer, drawn server-side): one lifeline per voice, one
arrow per message and recipient in send order labelled with its performative. A protocol run's has its
participants' lifelines and its state and deadlines on top; any other conversation (``run`` None) has the
lifelines of its senders and of the recipients the viewer may see. Pure: it reads the objects it is given and
returns SVG markup.

Every text (agent names, performatives, reasons) is escaped, and the markup carries classes only, no
``style`` attributes and no scripts: the admin's CSP refuses inline styles (mabos/static/mabos/protocols.css).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from html import escape
from typing import Any

LANE, MARGIN, HEAD_Y, FIRST_Y, STEP = 190, 30, 64, 118, 40


def _text(value: Any, limit: int = 60) -> str:
    text = str(value)
    return escape(text if len(text) <= limit else text[: limit - 1] + "…", quote=True)


def _when(at: datetime.datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S") if at else "—"


def _lifelines(run: Any, sessions: Sequence[Any], messages: Sequence[Any]) -> list[tuple[str, str]]:
    """(key, label) per lifeline: the initiator, each participant, then any other voice of the conversation
    (without a run: each voice and each recipient shown, in order of appearance)."""
    lines: list[tuple[str, str]] = []
    if run is not None:
        lines.append((f"agent:{run.initiator_id}", f"{run.initiator.name} (initiator)"))
        lines += [(f"agent:{session.participant_id}", session.participant.name) for session in sessions]
    known = {key for key, _ in lines}
    for message in messages:
        found = [_voice(message)]
        if run is None:
            found += [(f"agent:{d.recipient_id}", d.recipient.name) for d in message.deliveries.all()]
        for key, label in found:
            if key not in known:
                known.add(key)
                lines.append((key, label))
    return lines


def _voice(message: Any) -> tuple[str, str]:
    if message.sender_agent_id:
        return f"agent:{message.sender_agent_id}", message.sender_agent.name
    return f"user:{message.sender_user_id}", f"person {message.sender_label}"


def _targets(run: Any, sessions: Sequence[Any], message: Any) -> list[str]:
    """The recipients the caller may see; without those, the run's shape (initiator <-> participants)."""
    seen = [f"agent:{d.recipient_id}" for d in message.deliveries.all()]
    if seen or run is None:
        return seen
    if message.sender_agent_id == run.initiator_id:
        return [f"agent:{s.participant_id}" for s in sessions]
    return [f"agent:{run.initiator_id}"]


def _arrows(run: Any, sessions: Sequence[Any], messages: Iterable[Any],
            lanes: dict[str, int]) -> list[tuple[int, int, str, str]]:
    rows = []
    for message in messages:
        source = lanes[_voice(message)[0]]
        for target in _targets(run, sessions, message):
            if target in lanes and lanes[target] != source:
                rows.append((source, lanes[target], message.performative,
                             message.created_at.strftime("%H:%M:%S") if message.created_at else ""))
    return rows


def sequence_svg(run: Any, sessions: Sequence[Any], messages: Sequence[Any],
                 agent_url: Callable[[str], str] | None = None) -> str:
    """The SVG of ``run``'s conversation (``run`` None: of the conversation ``messages`` are): ``sessions`` its
    participants, ``messages`` in send order (each with its ``deliveries`` and their recipients prefetched: the
    arrows go to the recipients the viewer may see). ``agent_url(agent_id)``, when given, makes each agent's
    name on top a link (to its page)."""
    lines = _lifelines(run, sessions, messages)
    lanes = {key: index for index, (key, _) in enumerate(lines)}
    arrows = _arrows(run, sessions, messages, lanes)
    width = MARGIN * 2 + LANE * max(len(lines), 2)
    bottom = FIRST_Y + STEP * len(arrows) + 20
    height = bottom + 40

    def x(lane: int) -> int:
        return MARGIN + LANE * lane + LANE // 2

    title = (f"{run.protocol} run {run.pk}" if run is not None
             else f"conversation {messages[0].conversation_id if messages else ''}")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="seq" role="img" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}"><title>{_text(title, 120)}</title>',
           '<defs><marker id="seq-arrowhead" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
           'markerHeight="8" orient="auto-start-reverse"><path class="seq-head-mark" d="M 0 0 L 10 5 L 0 10 z"/>'
           '</marker></defs>']
    if run is not None:
        status = f"{run.protocol} · {run.state.replace('_', ' ')} · phase {run.phase}"
        if run.reason:
            status += f" · {run.reason}"
        deadlines = f"response by {_when(run.response_by)} · result by {_when(run.result_by)}"
    else:
        status = f"conversation · {len(messages)} message{'s' if len(messages) != 1 else ''}"
        deadlines = f"from {_when(messages[0].created_at)} to {_when(messages[-1].created_at)}" if messages else ""
    out.append(f'<text class="seq-state" x="{MARGIN}" y="20">{_text(status, 120)}</text>')
    out.append(f'<text class="seq-deadline" x="{MARGIN}" y="40">{_text(deadlines, 120)}</text>')
    for index, (_, label) in enumerate(lines):
        left = MARGIN + LANE * index + 10
        out.append(f'<rect class="seq-box" x="{left}" y="{HEAD_Y - 20}" width="{LANE - 20}" height="30" rx="4"/>')
        name = f'<text class="seq-name" x="{x(index)}" y="{HEAD_Y}">{_text(label, 26)}</text>'
        key = lines[index][0]
        if agent_url is not None and key.startswith("agent:"):
            name = f'<a href="{_text(agent_url(key[len("agent:"):]), 500)}">{name}</a>'
        out.append(name)
        out.append(f'<line class="seq-lifeline" x1="{x(index)}" y1="{HEAD_Y + 10}" x2="{x(index)}" y2="{bottom}"/>')
    for row, (source, target, performative, at) in enumerate(arrows):
        y = FIRST_Y + STEP * row
        out.append(f'<line class="seq-arrow seq-{_text(performative)}" x1="{x(source)}" y1="{y}" x2="{x(target)}" '
                   f'y2="{y}" marker-end="url(#seq-arrowhead)"/>')
        middle = (x(source) + x(target)) // 2
        out.append(f'<text class="seq-label" x="{middle}" y="{y - 6}">{_text(performative, 24)} '
                   f'<tspan class="seq-time">{_text(at)}</tspan></text>')
    if run is not None and run.waiting:
        due = run.result_by if run.state == "awaiting_result" else run.response_by
        out.append(f'<line class="seq-due" x1="{MARGIN}" y1="{bottom}" x2="{width - MARGIN}" y2="{bottom}"/>')
        out.append(f'<text class="seq-deadline" x="{MARGIN}" y="{bottom + 18}">'
                   f'waiting: due {_text(_when(due))}</text>')
    elif run is not None:
        out.append(f'<text class="seq-state" x="{MARGIN}" y="{bottom + 18}">'
                   f'closed {_text(run.state)} at {_text(_when(run.finished_at))}</text>')
    out.append("</svg>")
    return "".join(out)
