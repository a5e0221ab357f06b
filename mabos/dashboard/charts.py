"""A bar chart of any series, drawn on the server as SVG: geometry here, markup in one include.

One call turns a series into what ``templates/admin/mabos/bar_chart.html`` draws::

    chart = bar_chart([(day, cash) for day, cash in rows], title="Cash", unit="EUR",
                      start_label="day 1", end_label="today",
                      describe=lambda day, cash: f"day {day}: {cash:,.0f} EUR")
    {% include "admin/mabos/bar_chart.html" with chart=chart %}

No script and no inline style, so it lives within the CSP ``default-src 'self'``: the bars carry classes
(``mabos-bar``, ``mabos-bar-negative``) that mabos/static/mabos/dashboard.css colours, and each bar's
``<title>`` is its tooltip. Negative values hang below a zero line, so a series like cash can go under.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT, PAD = 600, 160, 24


@dataclass(frozen=True)
class Bar:
    key: Any
    value: float
    title: str
    x: float
    y: float
    width: float
    height: float
    negative: bool


@dataclass(frozen=True)
class BarChart:
    """What the include draws; ``peak`` and ``floor`` are the highest and lowest values (0 included)."""

    title: str
    unit: str
    bars: list[Bar]
    peak: float
    floor: float
    total: float
    last: float
    start_label: str
    end_label: str
    width: int = WIDTH
    height: int = HEIGHT
    pad: int = PAD

    @property
    def baseline(self) -> float:
        """The y of the zero line."""
        return round(_zero_line(self.peak, self.floor, self.height - 2 * self.pad) + self.pad, 1)

    @property
    def right(self) -> int:
        return self.width - self.pad

    @property
    def peak_label(self) -> str:
        return f"{number(self.peak)}{self.unit}"

    @property
    def floor_label(self) -> str:
        return f"{number(self.floor)}{self.unit}" if self.floor < 0 else ""


def number(value: float) -> str:
    """12, 12.5, 1,234,567: whole numbers without a point, others with at most two decimals."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")


def _zero_line(peak: float, floor: float, inner_h: float) -> float:
    """How far below the top of the drawing area the zero line is: at the bottom for a series that never goes
    below zero (a flat one included), at the top for one that never goes above."""
    if peak == floor == 0:
        return inner_h
    return inner_h * peak / (peak - floor)


def bar_chart(series: Sequence[tuple[Any, float]], *, title: str, unit: str = "", start_label: str = "",
              end_label: str = "", describe: Callable[[Any, float], str] | None = None) -> BarChart:
    """The chart of ``series`` ((key, value) pairs, left to right), scaled from its lowest value (or 0) to its
    highest (or 0); a series of zeros draws flat. ``describe(key, value)`` is each bar's tooltip."""
    values = [float(value) for _, value in series]
    peak, floor = max([*values, 0.0]), min([*values, 0.0])
    span = (peak - floor) or 1
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    zero = PAD + _zero_line(peak, floor, inner_h)
    step = inner_w / max(len(series), 1)
    describe = describe or (lambda key, value: f"{key}: {number(value)}{unit}")
    bars = []
    for i, (key, value) in enumerate(series):
        height = inner_h * abs(float(value)) / span
        top = zero - height if value >= 0 else zero
        bars.append(Bar(key, value, describe(key, value), round(PAD + i * step + 1, 1), round(top, 1),
                        round(max(step - 2, 1), 1), round(height, 1), value < 0))
    return BarChart(title=title, unit=unit, bars=bars, peak=peak, floor=floor, total=sum(values),
                    last=values[-1] if values else 0, start_label=start_label, end_label=end_label)
