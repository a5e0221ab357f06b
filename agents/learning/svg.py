"""A plan's success rate over the last day as an SVG line chart, drawn on the server (the plan's admin page).

Pure: it reads a ``charts.Chart`` and returns markup. Every text (organization and group names can hold
anything, ``<script>`` included) is escaped; the markup carries classes only, no ``style`` attribute and no
script, so it lives within the admin's CSP (colours in mabos/static/mabos/learning.css).
"""

from __future__ import annotations

import datetime
from html import escape
from typing import Any

from agents.learning.charts import Chart, Point

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 16, 44
#: Line classes cycle through this many colours (learning.css: .lc-s0 ... .lc-s5).
COLOURS = 6


def _text(value: Any, limit: int = 80) -> str:
    text = str(value)
    return escape(text if len(text) <= limit else text[: limit - 1] + "…", quote=True)


def _percent(rate: float) -> str:
    return f"{rate * 100:.0f}%"


def success_svg(chart: Chart) -> str:
    """The chart: x the hours (UTC) from ``chart.start``, y the success rate 0-100%; one line per series, a
    point per hour with outcomes, each point titled (the browser's tooltip) with its figures."""
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(chart.hours - 1, 1)

    def x(hour: datetime.datetime) -> float:
        return round(LEFT + step * ((hour - chart.start).total_seconds() // 3600), 1)

    def y(rate: float) -> float:
        return round(TOP + inner_h * (1 - rate), 1)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="lc-chart" role="img" width="{WIDTH}" '
           f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}"><title>Success rate per hour, last 24 hours</title>']
    for rate in (0.0, 0.5, 1.0):
        out.append(f'<line class="lc-grid" x1="{LEFT}" y1="{y(rate)}" x2="{WIDTH - RIGHT}" y2="{y(rate)}"/>')
        out.append(f'<text class="lc-tick" x="{LEFT - 6}" y="{y(rate) + 4}" text-anchor="end">{_percent(rate)}</text>')
    out.append(f'<line class="lc-axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + inner_h}"/>')
    out.append(f'<line class="lc-axis" x1="{LEFT}" y1="{TOP + inner_h}" x2="{WIDTH - RIGHT}" y2="{TOP + inner_h}"/>')
    for index in range(0, chart.hours, 6):
        hour = chart.start + datetime.timedelta(hours=index)
        out.append(f'<text class="lc-tick" x="{x(hour)}" y="{TOP + inner_h + 16}" text-anchor="middle">'
                   f'{hour:%H}:00</text>')
    last = chart.start + datetime.timedelta(hours=chart.hours - 1)
    out.append(f'<text class="lc-tick" x="{x(last)}" y="{TOP + inner_h + 16}" text-anchor="middle">{last:%H}:00</text>')
    out.append(f'<text class="lc-label" x="{LEFT + inner_w / 2}" y="{HEIGHT - 6}" text-anchor="middle">'
               f'hour (UTC), from {chart.start:%Y-%m-%d %H}:00</text>')
    out.append(f'<text class="lc-label" x="14" y="{TOP + inner_h / 2}" text-anchor="middle" '
               f'transform="rotate(-90 14 {TOP + inner_h / 2})">success rate</text>')
    for number, series in enumerate(chart.series):
        colour = f"lc-s{number % COLOURS}"
        name = _text(series.name)
        coordinates = " ".join(f"{x(p.hour)},{y(p.rate)}" for p in series.points)
        # The organization's line is drawn wide beneath the groups': where a group's line follows it, both show.
        out.append(f'<g class="lc-series lc-{_text(series.kind)} {colour}"><title>{name}</title>')
        if len(series.points) > 1:
            out.append(f'<polyline class="lc-line" points="{coordinates}"/>')
        out.extend(_point(name, point, x(point.hour), y(point.rate)) for point in series.points)
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def _point(name: str, point: Point, cx: float, cy: float) -> str:
    return (f'<circle class="lc-point" cx="{cx}" cy="{cy}" r="4"><title>{name}, {point.hour:%Y-%m-%d %H}:00 UTC: '
            f'{point.successes} of {point.count} succeeded ({_percent(point.rate)})</title></circle>')
