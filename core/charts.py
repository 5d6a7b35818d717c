"""Server-side SVG charts, the same drawing on the web pages and in the PDF and DOCX documents.

Each chart is a self-contained SVG with `role="img"`, a `<title>` and a `<desc>` (its text
alternative); every bar carries its value as text, and series differ by pattern as well as by
colour, so no meaning rests on colour alone. The colours are the Bootstrap Italia primary blue
and darker tones that keep a contrast of at least 3:1 against white. The caller always prints
the table behind the chart next to it.

Pure Python, no Django: the dashboards and the documents share it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from engine.numbers import format_number

# Primary blue, dark slate, dark green, dark orange: each ≥ 3:1 on white (WCAG 1.4.11).
COLOURS = ("#0066cc", "#33485c", "#00785a", "#b35900", "#6b3fa0")
PATTERNS = ("solid", "hatch", "dots", "cross", "grid")
FONT = "Titillium Web, Arial, sans-serif"


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | None


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Decimal | None]


def _text(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def _number(value: Decimal | None, unit: str) -> str:
    if value is None:
        return "n.d."
    places = 2 if unit in ("%", "€", "giorni") else None
    text = format_number(Decimal(value), places)
    return f"{text} {unit}".strip() if unit else text


def _wrap(label: str, width: int) -> list[str]:
    """Split a label into lines of at most `width` characters (two lines, then «…»)."""
    words, lines, current = label.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    if len(lines) > 2:
        lines = [lines[0], lines[1][: width - 1] + "…"]
    return lines or [""]


def _defs() -> str:
    patterns = []
    for index, colour in enumerate(COLOURS):
        kind = PATTERNS[index % len(PATTERNS)]
        pid = f"p{index}"
        if kind == "solid":
            body = f'<rect width="8" height="8" fill="{colour}"/>'
        elif kind == "hatch":
            body = (
                f'<rect width="8" height="8" fill="{colour}" fill-opacity="0.35"/>'
                f'<path d="M0,8 L8,0 M-2,2 L2,-2 M6,10 L10,6" stroke="{colour}" '
                'stroke-width="2"/>'
            )
        elif kind == "dots":
            body = (
                f'<rect width="8" height="8" fill="{colour}" fill-opacity="0.35"/>'
                f'<circle cx="4" cy="4" r="2" fill="{colour}"/>'
            )
        elif kind == "cross":
            body = (
                f'<rect width="8" height="8" fill="{colour}" fill-opacity="0.35"/>'
                f'<path d="M0,4 L8,4 M4,0 L4,8" stroke="{colour}" stroke-width="1.5"/>'
            )
        else:
            body = (
                f'<rect width="8" height="8" fill="{colour}" fill-opacity="0.35"/>'
                f'<rect x="1" y="1" width="6" height="6" fill="none" stroke="{colour}"/>'
            )
        patterns.append(
            f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f"{body}</pattern>"
        )
    return "<defs>" + "".join(patterns) + "</defs>"


def _fill(index: int) -> str:
    return f"url(#p{index % len(COLOURS)})"


def _open(width: int, height: int, title: str, desc: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="t d" '
        f'font-family="{FONT}" font-size="12">'
        f'<title id="t">{_text(title)}</title><desc id="d">{_text(desc)}</desc>'
    )


def describe_bars(title: str, bars: Sequence[Bar], unit: str) -> str:
    """The text alternative of a bar chart: every label with its value."""
    parts = [f"{bar.label}: {_number(bar.value, unit)}" for bar in bars]
    return f"{title}. " + ("; ".join(parts) if parts else "nessun dato") + "."


def bar_chart(
    title: str,
    bars: Sequence[Bar],
    *,
    unit: str = "%",
    maximum: Decimal | None = None,
    width: int = 640,
) -> str:
    """Horizontal bars, one per label, the value written at the end of each bar."""
    label_width, row, top = 230, 34, 10
    values = [bar.value for bar in bars if bar.value is not None]
    scale_max = maximum if maximum is not None else max(values, default=Decimal(1))
    if scale_max <= 0:
        scale_max = Decimal(1)
    plot = width - label_width - 80
    height = top + row * max(len(bars), 1) + 26
    out = [_open(width, height, title, describe_bars(title, bars, unit)), _defs()]
    # Axis with 0, half and maximum.
    for fraction in (Decimal(0), Decimal("0.5"), Decimal(1)):
        x = label_width + float(fraction) * plot
        out.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 22}" stroke="#c5c7c9" '
            'stroke-dasharray="3 3"/>'
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" fill="#33485c" '
            f'font-size="10">{_text(_number(scale_max * fraction, unit))}</text>'
        )
    for index, bar in enumerate(bars):
        y = top + index * row
        lines = _wrap(bar.label, 34)
        for number, line in enumerate(lines):
            dy = 14 + number * 13 - (len(lines) - 1) * 6
            out.append(
                f'<text x="{label_width - 8}" y="{y + dy}" text-anchor="end" fill="#1a1a1a">'
                f"{_text(line)}</text>"
            )
        value = bar.value
        length = 0.0 if value is None else float(min(max(value, 0), scale_max) / scale_max) * plot
        out.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row - 12}" '
            f'fill="{_fill(0)}" stroke="{COLOURS[0]}"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + row / 2 + 3:.1f}" '
            f'fill="#1a1a1a" font-weight="bold">{_text(_number(value, unit))}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def grouped_bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    unit: str = "%",
    maximum: Decimal | None = None,
    width: int = 640,
) -> str:
    """For each category, one bar per series (e.g. each monitoring window), with a legend."""
    label_width, bar_height, gap, top = 230, 14, 12, 10
    values = [v for s in series for v in s.values if v is not None]
    scale_max = maximum if maximum is not None else max(values, default=Decimal(1))
    if scale_max <= 0:
        scale_max = Decimal(1)
    plot = width - label_width - 80
    group = bar_height * max(len(series), 1) + gap
    legend_rows = len(series)
    height = top + group * max(len(categories), 1) + 20 * legend_rows + 30
    parts = []
    for name_index, category in enumerate(categories):
        values_text = ", ".join(f"{s.name} {_number(s.values[name_index], unit)}" for s in series)
        parts.append(f"{category}: {values_text}")
    desc = f"{title}. " + ("; ".join(parts) if parts else "nessun dato") + "."
    out = [_open(width, height, title, desc), _defs()]
    for c_index, category in enumerate(categories):
        y0 = top + c_index * group
        lines = _wrap(category, 34)
        middle = y0 + (group - gap) / 2
        for number, line in enumerate(lines):
            y = middle + 4 + number * 13 - (len(lines) - 1) * 6
            out.append(
                f'<text x="{label_width - 8}" y="{y:.1f}" text-anchor="end" fill="#1a1a1a">'
                f"{_text(line)}</text>"
            )
        for s_index, item in enumerate(series):
            value = item.values[c_index] if c_index < len(item.values) else None
            y = y0 + s_index * bar_height
            length = (
                0.0 if value is None else float(min(max(value, 0), scale_max) / scale_max) * plot
            )
            out.append(
                f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height - 2}" '
                f'fill="{_fill(s_index)}" stroke="{COLOURS[s_index % len(COLOURS)]}"/>'
                f'<text x="{label_width + length + 5:.1f}" y="{y + bar_height - 4}" '
                f'font-size="10" fill="#1a1a1a">{_text(_number(value, unit))}</text>'
            )
    legend_top = top + group * max(len(categories), 1) + 8
    for s_index, item in enumerate(series):
        y = legend_top + s_index * 20
        out.append(
            f'<rect x="{label_width}" y="{y}" width="16" height="12" fill="{_fill(s_index)}" '
            f'stroke="{COLOURS[s_index % len(COLOURS)]}"/>'
            f'<text x="{label_width + 22}" y="{y + 10}" fill="#1a1a1a">{_text(item.name)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def signed_bar_chart(title: str, bars: Sequence[Bar], *, unit: str = "", width: int = 640) -> str:
    """Horizontal bars from a zero line: a positive value to the right, a negative one to the
    left (days of payment delay: a negative delay is a payment before the due date). Each
    value is written next to its bar, with its sign."""
    label_width, row, top = 230, 34, 10
    values = [bar.value for bar in bars if bar.value is not None]
    high = max(max(values, default=Decimal(0)), Decimal(0))
    low = min(min(values, default=Decimal(0)), Decimal(0))
    span = (high - low) or Decimal(1)
    plot = width - label_width - 120
    left = label_width + 50  # room for the value written left of a negative bar
    zero = left + float(-low / span) * plot
    height = top + row * max(len(bars), 1) + 26
    out = [_open(width, height, title, describe_bars(title, bars, unit)), _defs()]
    out.append(
        f'<line x1="{zero:.1f}" y1="{top}" x2="{zero:.1f}" y2="{height - 22}" stroke="#33485c"/>'
        f'<text x="{zero:.1f}" y="{height - 8}" text-anchor="middle" fill="#33485c" '
        'font-size="10">0</text>'
    )
    for index, bar in enumerate(bars):
        y = top + index * row
        for number, line in enumerate(_wrap(bar.label, 34)):
            out.append(
                f'<text x="{label_width - 8}" y="{y + 14 + number * 13}" text-anchor="end" '
                f'fill="#1a1a1a">{_text(line)}</text>'
            )
        value = bar.value
        length = 0.0 if value is None else float(abs(value) / span) * plot
        x = zero - length if value is not None and value < 0 else zero
        text_x, anchor = (
            (x - 6, "end") if value is not None and value < 0 else (x + length + 6, "start")
        )
        out.append(
            f'<rect x="{x:.1f}" y="{y + 4}" width="{length:.1f}" height="{row - 12}" '
            f'fill="{_fill(0)}" stroke="{COLOURS[0]}"/>'
            f'<text x="{text_x:.1f}" y="{y + row / 2 + 3:.1f}" text-anchor="{anchor}" '
            f'fill="#1a1a1a" font-weight="bold">{_text(_number(value, unit))}</text>'
        )
    out.append("</svg>")
    return "".join(out)
