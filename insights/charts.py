"""Charts drawn as SVG on the server: readable without JavaScript and allowed by a strict Content-Security-Policy.

Every chart is a pure function of plain Python data and returns a `Chart`: the SVG itself, a one- or
two-sentence text alternative, and the rows of a data table (rendered by `insights/chart.html`).

The SVG never carries `style` attributes, `<style>` or `<script>` (our CSP has no 'unsafe-inline'), only
presentation attributes (fill, stroke, font-size…), and never refers outside itself. Text is always escaped.
Series colours each have at least 3:1 contrast against white (WCAG 1.4.11) and text at least 4.5:1 (1.4.3);
series are also told apart without colour: dash patterns on lines, fill patterns on bars, and direct labels.
"""

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape  # what django.utils.html.escape calls, without its lazy-string wrapper (hot here)

from django.utils.safestring import SafeString, mark_safe

__all__ = [
    "HEATMAP_LEVELS",
    "PALETTE",
    "TEXT_COLOURS",
    "Chart",
    "compare_bars",
    "contrast_ratio",
    "heatmap",
    "line_chart",
    "stacked_bars",
]

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
FONT_SIZE = 14
SMALL_FONT_SIZE = 13

TEXT = "#1d2433"  # --ink in site.css
MUTED = "#4a5568"  # --muted: axis lines and tick labels
GRID = "#e2e5ea"  # gridlines are a reading aid, not information: no contrast requirement
TEXT_COLOURS: tuple[str, ...] = (TEXT, MUTED)

# Okabe–Ito hues, darkened until each has at least 3:1 contrast against white.
PALETTE: tuple[str, ...] = ("#0072b2", "#c75000", "#008060", "#9b4f96", "#4a5568")
# Line dash patterns, one per series, so lines differ without colour ("" is a solid line).
DASHES: tuple[str, ...] = ("", "9 4", "2 4", "12 4 2 4", "5 5")
# Heatmap: level 0 is "nothing that day"; levels 1–4 all have at least 3:1 against white and get darker.
HEATMAP_LEVELS: tuple[str, ...] = ("#ebedf0", "#4f8fc0", "#2b6cb0", "#174a6e", "#0c2d4a")

NO_DATA = "No data yet."
_MAX_VALUE = 1e15
_ID_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
# Characters XML 1.0 forbids (C0 controls other than tab/newline/return, surrogates, U+FFFE/U+FFFF).
AttrValue = str | float | None
Attrs = dict[str, AttrValue]

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Chart:
    """An SVG chart with its text alternative (`summary`) and data table (`columns`, `rows`)."""

    svg: SafeString
    summary: str
    columns: list[str]
    rows: list[list[str]]
    caption: str


# --- colour -------------------------------------------------------------------------------------------------


def _relative_luminance(colour: str) -> float:
    hex_digits = colour.removeprefix("#")
    if not re.fullmatch(r"[0-9a-fA-F]{6}", hex_digits):
        raise ValueError(f"expected a colour like #1a2b3c, got {colour!r}")

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_digits[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast_ratio(foreground: str, background: str = "#ffffff") -> float:
    """The WCAG 2 contrast ratio of two `#rrggbb` colours, from 1 (same) to 21 (black on white)."""
    lighter, darker = sorted((_relative_luminance(foreground), _relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


# --- small SVG helpers --------------------------------------------------------------------------------------


def _clean(text: object) -> str:
    """A label as text that is safe in XML (escaping happens on output)."""
    return _XML_INVALID.sub("", str(text))


def _num(value: float) -> str:
    """A coordinate: finite, at most two decimals, no exponent."""
    if type(value) is int:
        return str(value)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _el(name: str, attrs: Mapping[str, AttrValue], inner: str | None = None) -> str:
    """An element; attribute values are escaped, `inner` must already be markup."""
    parts = [name]
    for key, value in attrs.items():
        if value is None:
            continue
        text = _num(value) if isinstance(value, int | float) else value
        parts.append(f'{key}="{escape(text)}"')
    opening = " ".join(parts)
    return f"<{opening}/>" if inner is None else f"<{opening}>{inner}</{name}>"


def _title(text: str) -> str:
    return _el("title", {}, escape(_clean(text)))


def _text(
    x: float, y: float, text: str, *, anchor: str = "start", size: int = FONT_SIZE, fill: str = TEXT, **extra: str
) -> str:
    attrs: Attrs = {"x": x, "y": y, "fill": fill, "font-size": size}
    if anchor != "start":
        attrs["text-anchor"] = anchor
    attrs.update({key.replace("_", "-"): value for key, value in extra.items()})
    return _el("text", attrs, escape(_clean(text)))


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _text_width(text: str, size: int = FONT_SIZE) -> float:
    """A generous estimate of rendered text width (we cannot measure on the server)."""
    return len(text) * size * 0.6


def _svg(*, id: str, kind: str, width: float, height: float, caption: str, summary: str, body: str) -> SafeString:
    head = _el("title", {"id": f"{id}-title"}, escape(_clean(caption))) + _el(
        "desc", {"id": f"{id}-desc"}, escape(_clean(summary))
    )
    attrs: Attrs = {
        "xmlns": SVG_NS,
        "id": id,
        "class": f"chart-svg chart-{kind}",
        "viewBox": f"0 0 {_num(width)} {_num(height)}",
        "width": "100%",
        "role": "img",
        "aria-labelledby": f"{id}-title {id}-desc",
        "font-family": FONT,
        "font-size": FONT_SIZE,
    }
    return mark_safe(_el("svg", attrs, head + body))  # every piece above is escaped


def _check_id(id: str) -> None:
    if not _ID_RE.match(id):
        raise ValueError(f"chart id must be letters, digits, '-' or '_', starting with a letter: {id!r}")


def _check_value(value: float, *, allow_negative: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or abs(number) > _MAX_VALUE:
        raise ValueError(f"chart values must be finite and at most {_MAX_VALUE:g}: {value!r}")
    if number < 0 and not allow_negative:
        raise ValueError(f"chart values must not be negative: {value!r}")
    return number


def _check_series(names: Sequence[str]) -> None:
    if len(names) > len(PALETTE):
        raise ValueError(f"at most {len(PALETTE)} series can be told apart, got {len(names)}")


def _fmt(value: float) -> str:
    """A value for people: thousands separators, at most two decimals."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _plural(count: float, noun: str) -> str:
    return f"{_fmt(count)} {noun}" if count == 1 else f"{_fmt(count)} {noun}s"


def _with_unit(value: float, unit: str) -> str:
    if not unit:
        return _fmt(value)
    return f"{_fmt(value)}{unit}" if unit == "%" else f"{_fmt(value)} {unit}"


# --- scales -------------------------------------------------------------------------------------------------


def _nice_ticks(low: float, high: float, *, integer: bool = False, count: int = 5) -> list[float]:
    """Round tick values covering [min(low, 0), max(high, 0)] in steps of 1, 2, 2.5 or 5 times a power of ten."""
    low, high = min(low, 0.0), max(high, 0.0)
    span = high - low
    if span <= 0:
        return [0.0, 1.0]
    span = max(span, 1e-6)
    base = 10.0 ** math.floor(math.log10(span / count))
    step = base * 10
    for multiple in (1, 2, 2.5, 5, 10):
        if multiple * base * count >= span:
            step = multiple * base
            break
    if integer:
        step = max(1.0, math.ceil(step))
    first = math.floor(low / step + 1e-9)
    last = max(math.ceil(high / step - 1e-9), first + 1)  # at least two ticks, even for vanishing values
    return [i * step for i in range(first, last + 1)]


def _tick_label(value: float, ticks: Sequence[float]) -> str:
    biggest = max(abs(t) for t in ticks)
    for divisor, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if biggest >= 10 * divisor:
            return f"{value / divisor:,.2f}".rstrip("0").rstrip(".") + suffix
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _label_stride(count: int, band: float, labels: Sequence[str], size: int = SMALL_FONT_SIZE) -> int:
    """Show every n-th axis label so that labels do not overlap."""
    if count == 0:
        return 1
    widest = max(_text_width(label, size) for label in labels) + 8
    return max(1, math.ceil(widest / max(band, 1e-6)))


# --- legends and fills --------------------------------------------------------------------------------------


def _legend(
    items: Sequence[tuple[str, Callable[[float, float], str]]], *, x: float, y: float, width: float
) -> tuple[str, float]:
    """Legend entries laid out left to right, wrapping; returns markup and the height used."""
    swatch, gap, row_height = 28, 18, 22
    cursor_x, cursor_y, parts = x, y, []
    for name, draw_swatch in items:
        label = _truncate(name, 32)
        item_width = swatch + 6 + _text_width(label)
        if cursor_x > x and cursor_x + item_width > x + width:
            cursor_x, cursor_y = x, cursor_y + row_height
        parts.append(draw_swatch(cursor_x, cursor_y))
        parts.append(_text(cursor_x + swatch + 6, cursor_y + 5, label, dy="0.32em"))
        cursor_x += item_width + gap
    return "".join(parts), (cursor_y - y + row_height) if items else 0


def _fill(id: str, index: int) -> str:
    return PALETTE[index] if index == 0 else f"url(#{id}-fill-{index})"


def _fill_patterns(id: str, count: int) -> str:
    """Fill patterns for bar series after the first (which is solid): stripes, dots, bars, cross-hatching."""
    mark: Attrs = {"stroke": "#ffffff", "stroke-width": 2, "stroke-opacity": "0.7"}
    patterns = []
    for index in range(1, count):
        colour = PALETTE[index]
        size = 8
        transform: str | None = None
        if index == 1:  # diagonal stripes
            marks = _el("path", {"d": "M0 0V8", **mark})
            transform = "rotate(45)"
        elif index == 2:  # dots
            size = 7
            marks = _el("circle", {"cx": 3.5, "cy": 3.5, "r": 1.6, "fill": "#ffffff", "fill-opacity": "0.75"})
        elif index == 3:  # horizontal bars
            marks = _el("path", {"d": "M0 4H8", **mark})
        else:  # cross-hatching
            marks = _el("path", {"d": "M0 0V8M0 0H8", **mark})
            transform = "rotate(45)"
        background = _el("rect", {"width": size, "height": size, "fill": colour})
        attrs: Attrs = {
            "id": f"{id}-fill-{index}",
            "width": size,
            "height": size,
            "patternUnits": "userSpaceOnUse",
            "patternTransform": transform,
        }
        patterns.append(_el("pattern", attrs, background + marks))
    return _el("defs", {}, "".join(patterns)) if patterns else ""


def _no_data(x: float, y: float) -> str:
    return _text(x, y, NO_DATA, anchor="middle", fill=MUTED)


# --- 1. calendar heatmap ------------------------------------------------------------------------------------


def _long_date(day: date) -> str:
    return f"{_DAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"


def _short_date(day: date) -> str:
    return f"{day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"


def _level(count: int, busiest: int) -> int:
    return 0 if count <= 0 else min(4, max(1, math.ceil(4 * count / busiest)))


def heatmap(days: Mapping[date, int], *, end: date, weeks: int = 52, id: str, caption: str) -> Chart:
    """A calendar of daily activity: one column per week (Monday first), one row per weekday.

    The last column is the week holding `end` and stops at `end`; days outside the calendar are ignored.
    """
    _check_id(id)
    if weeks < 1:
        raise ValueError("a heatmap needs at least one week")
    first_monday = end - timedelta(days=end.weekday()) - timedelta(weeks=weeks - 1)
    calendar = [
        [
            first_monday + timedelta(weeks=col, days=row)
            for row in range(7)
            if first_monday + timedelta(weeks=col, days=row) <= end
        ]
        for col in range(weeks)
    ]
    counts = {day: int(_check_value(days.get(day, 0))) for week in calendar for day in week}
    busiest_day = max(counts.values(), default=0)

    cell, step, left, top = 13, 16, 40, 44
    grid_bottom = top + 7 * step
    parts = []
    for row in (0, 2, 4):
        parts.append(
            _text(
                left - 6,
                top + row * step + cell / 2,
                _DAY_NAMES[row],
                anchor="end",
                size=SMALL_FONT_SIZE,
                fill=MUTED,
                dy="0.35em",
            )
        )
    # Month names on one row and, above them, the year at the first month shown and at each January.
    # Months start at least four columns apart, so three-letter names never overlap.
    year_shown = False
    for col, week in enumerate(calendar):
        first_of_month = next((day for day in week if day.day == 1), None)
        x = left + col * step
        if first_of_month is not None:
            parts.append(_text(x, top - 8, _MONTH_NAMES[first_of_month.month - 1], size=SMALL_FONT_SIZE, fill=MUTED))
            if first_of_month.month == 1 or not year_shown:
                parts.append(_text(x, top - 26, str(first_of_month.year), size=SMALL_FONT_SIZE, fill=MUTED))
                year_shown = True
        for row, day in enumerate(week):
            count = counts[day]
            attrs: Attrs = {
                "class": "chart-day",
                "x": left + col * step,
                "y": top + row * step,
                "width": cell,
                "height": cell,
                "rx": 2,
                "fill": HEATMAP_LEVELS[_level(count, busiest_day)],
                "data-date": day.isoformat(),
                "data-count": str(count),
            }
            parts.append(_el("rect", attrs, _title(f"{_long_date(day)}: {_plural(count, 'action')}")))

    # Legend: every level that can occur, with the counts it stands for.
    legend_y = grid_bottom + 14
    cursor = float(left)
    parts.append(_text(cursor, legend_y + cell / 2, "Actions a day:", size=SMALL_FONT_SIZE, fill=MUTED, dy="0.35em"))
    cursor += _text_width("Actions a day:", SMALL_FONT_SIZE) + 8
    ranges: list[tuple[int, str]] = [(0, "0")]
    for level in range(1, 5):
        low = math.floor(busiest_day * (level - 1) / 4) + 1
        high = math.floor(busiest_day * level / 4)
        if low <= high:
            ranges.append((level, str(low) if low == high else f"{low}–{high}"))
    for level, text in ranges:
        swatch: Attrs = {
            "x": cursor,
            "y": legend_y,
            "width": cell,
            "height": cell,
            "rx": 2,
            "fill": HEATMAP_LEVELS[level],
        }
        parts.append(_el("rect", swatch, _title(f"{text} actions a day")))
        parts.append(_text(cursor + cell + 4, legend_y + cell / 2, text, size=SMALL_FONT_SIZE, fill=MUTED, dy="0.35em"))
        cursor += cell + 12 + _text_width(text, SMALL_FONT_SIZE)

    week_totals = [
        (week[0], sum(counts[day] for day in week), sum(1 for day in week if counts[day])) for week in calendar
    ]
    total = sum(t for _, t, _ in week_totals)
    active_weeks = sum(1 for _, t, _ in week_totals if t)
    if total == 0:
        summary = f"{NO_DATA} No actions in these {_plural(weeks, 'week')}."
    else:
        top_week, top_total, _ = max(week_totals, key=lambda w: w[1])  # earliest of equals
        summary = (
            f"Busiest week: week of {_short_date(top_week)} with {_plural(top_total, 'action')}. "
            f"{active_weeks} of {_plural(weeks, 'week')} active, {_plural(total, 'action')} in all."
        )
    width = max(left + weeks * step + 8, cursor + 8)
    svg = _svg(
        id=id,
        kind="heatmap",
        width=width,
        height=legend_y + cell + 8,
        caption=caption,
        summary=summary,
        body="".join(parts),
    )
    rows = [[_short_date(start), _fmt(t), str(active)] for start, t, active in week_totals]
    return Chart(svg=svg, summary=summary, columns=["Week of", "Actions", "Active days"], rows=rows, caption=caption)


# --- shared cartesian frame ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    left: float
    top: float
    width: float
    height: float
    ticks: list[float]

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def y(self, value: float) -> float:
        low, high = self.ticks[0], self.ticks[-1]
        return self.bottom - (value - low) / (high - low) * self.height


_CHART_WIDTH = 640
_PLOT_HEIGHT = 220


def _frame(ticks: list[float], top: float, *, y_label: str) -> tuple[_Frame, str]:
    """A plot area with horizontal gridlines, y tick labels and the y label above it."""
    labels = [_tick_label(t, ticks) for t in ticks]
    left = max(40.0, max(_text_width(label, SMALL_FONT_SIZE) for label in labels) + 14)
    top += 24  # room for the y label
    frame = _Frame(left=left, top=top, width=_CHART_WIDTH - left - 24, height=_PLOT_HEIGHT, ticks=ticks)
    parts = [_text(8, top - 14, _truncate(y_label, 60), size=SMALL_FONT_SIZE, fill=MUTED)]
    for tick, label in zip(ticks, labels, strict=True):
        y = frame.y(tick)
        stroke = MUTED if tick == 0 else GRID
        parts.append(
            _el("line", {"x1": left, "x2": left + frame.width, "y1": y, "y2": y, "stroke": stroke, "stroke-width": 1})
        )
        parts.append(_text(left - 6, y, label, anchor="end", size=SMALL_FONT_SIZE, fill=MUTED, dy="0.32em"))
    return frame, "".join(parts)


def _x_labels(frame: _Frame, labels: Sequence[str], centres: Sequence[float], band: float) -> str:
    shown = [_truncate(label, 14) for label in labels]
    stride = _label_stride(len(shown), band, shown)
    return "".join(
        _text(x, frame.bottom + 20, label, anchor="middle", size=SMALL_FONT_SIZE, fill=MUTED)
        for i, (x, label) in enumerate(zip(centres, shown, strict=True))
        if i % stride == 0
    )


def _checked_series(
    x_labels: Sequence[str], series: Mapping[str, Sequence[float]], *, allow_negative: bool
) -> tuple[list[str], list[str], list[list[float]]]:
    labels = [_clean(label) for label in x_labels]
    names = [_clean(name) for name in series]
    _check_series(names)
    values = []
    for name, points in series.items():
        if len(points) != len(labels):
            raise ValueError(f"series {name!r} has {len(points)} values for {len(labels)} labels")
        values.append([_check_value(v, allow_negative=allow_negative) for v in points])
    return labels, names, values


# --- 2. line chart ------------------------------------------------------------------------------------------


def line_chart(
    x_labels: list[str],
    series: Mapping[str, Sequence[float | int]],
    *,
    id: str,
    caption: str,
    y_label: str,
    x_label: str = "Period",
) -> Chart:
    """Lines with points, one per series (up to five, told apart by colour and dash pattern)."""
    _check_id(id)
    labels, names, values = _checked_series(x_labels, series, allow_negative=True)
    flat = [v for points in values for v in points]
    columns = [x_label, *names]
    legend_items = [(name, _line_swatch(i)) for i, name in enumerate(names)]
    legend, legend_height = _legend(legend_items, x=8, y=8, width=_CHART_WIDTH - 16)
    integer = all(float(v).is_integer() for points in series.values() for v in points)
    ticks = _nice_ticks(min(flat, default=0.0), max(flat, default=0.0), integer=integer)
    frame, axes = _frame(ticks, 8 + legend_height, y_label=y_label)
    parts = [legend, axes]

    if not flat:
        parts.append(_no_data(frame.left + frame.width / 2, frame.top + frame.height / 2))
        summary = NO_DATA
    else:
        count = len(labels)
        inset = 12.0
        band = (frame.width - 2 * inset) / max(count - 1, 1)
        xs = [frame.left + frame.width / 2] if count == 1 else [frame.left + inset + i * band for i in range(count)]
        parts.append(_x_labels(frame, labels, xs, band))
        for index, (name, points) in enumerate(zip(names, values, strict=True)):
            colour = PALETTE[index]
            coords = [(x, frame.y(v)) for x, v in zip(xs, points, strict=True)]
            if len(coords) > 1:
                d = "M" + " L".join(f"{_num(x)} {_num(y)}" for x, y in coords)
                path: Attrs = {
                    "d": d,
                    "fill": "none",
                    "stroke": colour,
                    "stroke-width": 2.5,
                    "stroke-linejoin": "round",
                    "stroke-dasharray": DASHES[index] or None,
                }
                parts.append(_el("path", path))
            for (x, y), label, value in zip(coords, labels, points, strict=True):
                dot: Attrs = {
                    "class": "chart-point",
                    "cx": x,
                    "cy": y,
                    "r": 4,
                    "fill": colour,
                    "stroke": "#ffffff",
                    "stroke-width": 1.5,
                }
                parts.append(_el("circle", dot, _title(f"{name}, {label}: {_fmt(value)}")))
        summary = _line_summary(y_label, labels, names, values)

    rows = [[label, *(_fmt(points[i]) for points in values)] for i, label in enumerate(labels)]
    height = frame.bottom + 32
    svg = _svg(
        id=id, kind="line", width=_CHART_WIDTH, height=height, caption=caption, summary=summary, body="".join(parts)
    )
    return Chart(svg=svg, summary=summary, columns=columns, rows=rows, caption=caption)


def _line_swatch(index: int) -> Callable[[float, float], str]:
    def draw(x: float, y: float) -> str:
        line: Attrs = {
            "x1": x,
            "x2": x + 28,
            "y1": y + 5,
            "y2": y + 5,
            "stroke": PALETTE[index],
            "stroke-width": 2.5,
            "stroke-dasharray": DASHES[index] or None,
        }
        return _el("line", line) + _el(
            "circle",
            {"cx": x + 14, "cy": y + 5, "r": 4, "fill": PALETTE[index], "stroke": "#ffffff", "stroke-width": 1.5},
        )

    return draw


def _line_summary(y_label: str, labels: list[str], names: list[str], values: list[list[float]]) -> str:
    span = labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"
    facts = []
    for name, points in zip(names, values, strict=True):
        if len(points) == 1:
            facts.append(f"{name} {_fmt(points[0])}")
            continue
        peak = max(range(len(points)), key=lambda i: points[i])
        facts.append(f"{name} peaked at {_fmt(points[peak])} ({labels[peak]}), latest {_fmt(points[-1])}")
    return f"{y_label}, {span}. " + "; ".join(facts) + "."


# --- 3. stacked bars ----------------------------------------------------------------------------------------


def _bar_swatch(id: str, index: int) -> Callable[[float, float], str]:
    def draw(x: float, y: float) -> str:
        return _el("rect", {"x": x + 4, "y": y - 3, "width": 20, "height": 16, "fill": _fill(id, index)})

    return draw


def stacked_bars(
    x_labels: list[str],
    series: Mapping[str, Sequence[int]],
    *,
    id: str,
    caption: str,
    y_label: str,
    x_label: str = "Period",
) -> Chart:
    """Stacked columns, one per label, with series stacked bottom-up in the order given (up to five)."""
    _check_id(id)
    labels, names, values = _checked_series(x_labels, series, allow_negative=False)
    totals = [sum(points[i] for points in values) for i in range(len(labels))]
    grand_total = sum(totals)
    legend, legend_height = _legend(
        [(name, _bar_swatch(id, i)) for i, name in enumerate(names)], x=8, y=8, width=_CHART_WIDTH - 16
    )
    integer = all(float(v).is_integer() for points in series.values() for v in points)
    frame, axes = _frame(_nice_ticks(0, max(totals, default=0), integer=integer), 8 + legend_height, y_label=y_label)
    parts = [_fill_patterns(id, len(names)), legend, axes]

    if labels and names:
        band = frame.width / len(labels)
        bar_width = min(48.0, band * 0.7)
        centres = [frame.left + band * (i + 0.5) for i in range(len(labels))]
        parts.append(_x_labels(frame, labels, centres, band))
        show_totals = _label_stride(len(labels), band, [_fmt(t) for t in totals]) == 1
        for i, (centre, label) in enumerate(zip(centres, labels, strict=True)):
            base = 0.0
            for index, (name, points) in enumerate(zip(names, values, strict=True)):
                value = points[i]
                if value == 0:
                    continue
                y_top, y_bottom = frame.y(base + value), frame.y(base)
                share = f" ({round(100 * value / totals[i])}% of {_fmt(totals[i])})" if len(names) > 1 else ""
                bar: Attrs = {
                    "class": "chart-bar",
                    "x": centre - bar_width / 2,
                    "y": y_top,
                    "width": bar_width,
                    "height": y_bottom - y_top,
                    "fill": _fill(id, index),
                    "stroke": "#ffffff",
                    "stroke-width": 1,
                    "data-value": _num(value),
                }
                parts.append(_el("rect", bar, _title(f"{name}, {label}: {_fmt(value)}{share}")))
                base += value
            if show_totals and totals[i]:
                parts.append(
                    _text(centre, frame.y(totals[i]) - 6, _fmt(totals[i]), anchor="middle", size=SMALL_FONT_SIZE)
                )
    if grand_total == 0:
        parts.append(_no_data(frame.left + frame.width / 2, frame.top + frame.height / 2))

    if grand_total == 0:
        summary = NO_DATA
    else:
        busiest = max(range(len(labels)), key=lambda i: totals[i])
        shares = ", ".join(
            f"{name} {round(100 * sum(points) / grand_total)}% ({_fmt(sum(points))})"
            for name, points in zip(names, values, strict=True)
        )
        summary = (
            f"{y_label}: {_fmt(grand_total)} in all, most in {labels[busiest]} ({_fmt(totals[busiest])}). "
            f"Overall: {shares}."
        )
    rows = [[label, *(_fmt(points[i]) for points in values), _fmt(totals[i])] for i, label in enumerate(labels)]
    svg = _svg(
        id=id,
        kind="stacked",
        width=_CHART_WIDTH,
        height=frame.bottom + 32,
        caption=caption,
        summary=summary,
        body="".join(parts),
    )
    return Chart(svg=svg, summary=summary, columns=[x_label, *names, "Total"], rows=rows, caption=caption)


# --- 4. horizontal grouped bars -----------------------------------------------------------------------------


def compare_bars(
    categories: list[str],
    groups: Mapping[str, Sequence[float]],
    *,
    id: str,
    caption: str,
    unit: str = "%",
) -> Chart:
    """Horizontal bars, one group of bars per category, e.g. your mix of replies against the course's."""
    _check_id(id)
    labels, names, values = _checked_series(categories, groups, allow_negative=False)
    flat = [v for points in values for v in points]
    highest = max(flat, default=0.0)
    ticks = _nice_ticks(0, highest)
    scale_max = ticks[-1]

    legend, legend_height = _legend(
        [(name, _bar_swatch(id, i)) for i, name in enumerate(names)], x=8, y=8, width=_CHART_WIDTH - 16
    )
    shown = [_truncate(label, 24) for label in labels]
    left = max(60.0, max((_text_width(label) for label in shown), default=0) + 16)
    right = 64.0
    plot_width = _CHART_WIDTH - left - right
    top = 8 + legend_height + 8
    bar_height, bar_gap, group_gap = 18.0, 3.0, 14.0
    group_height = len(names) * bar_height + max(len(names) - 1, 0) * bar_gap
    plot_height = max(len(labels) * (group_height + group_gap), 60.0)
    bottom = top + plot_height

    def x_of(value: float) -> float:
        return left + value / scale_max * plot_width

    parts = [_fill_patterns(id, len(names)), legend]
    for tick in ticks:
        x = x_of(tick)
        stroke = MUTED if tick == 0 else GRID
        parts.append(_el("line", {"x1": x, "x2": x, "y1": top, "y2": bottom, "stroke": stroke, "stroke-width": 1}))
        parts.append(
            _text(
                x,
                bottom + 18,
                _tick_label(tick, ticks) + (unit if unit == "%" else ""),
                anchor="middle",
                size=SMALL_FONT_SIZE,
                fill=MUTED,
            )
        )

    if not flat or highest == 0:
        parts.append(_no_data(left + plot_width / 2, top + plot_height / 2))
    for c, (label, short) in enumerate(zip(labels, shown, strict=True)):
        group_top = top + group_gap / 2 + c * (group_height + group_gap)
        parts.append(_text(left - 8, group_top + group_height / 2, short, anchor="end", dy="0.32em"))
        for g, (name, points) in enumerate(zip(names, values, strict=True)):
            value = points[c]
            y = group_top + g * (bar_height + bar_gap)
            if value > 0:
                bar: Attrs = {
                    "class": "chart-bar",
                    "x": left,
                    "y": y,
                    "width": x_of(value) - left,
                    "height": bar_height,
                    "fill": _fill(id, g),
                    "data-value": _num(value),
                }
                parts.append(_el("rect", bar, _title(f"{name}, {label}: {_with_unit(value, unit)}")))
            parts.append(
                _text(x_of(value) + 6, y + bar_height / 2, _with_unit(value, unit), size=SMALL_FONT_SIZE, dy="0.32em")
            )

    summary = NO_DATA if not flat or highest == 0 else _compare_summary(labels, names, values, unit)
    rows = [[label, *(_with_unit(points[c], unit) for points in values)] for c, label in enumerate(labels)]
    svg = _svg(
        id=id,
        kind="compare",
        width=_CHART_WIDTH,
        height=bottom + 30,
        caption=caption,
        summary=summary,
        body="".join(parts),
    )
    return Chart(svg=svg, summary=summary, columns=["Category", *names], rows=rows, caption=caption)


def _compare_summary(labels: list[str], names: list[str], values: list[list[float]], unit: str) -> str:
    tops = []
    for name, points in zip(names, values, strict=True):
        best = max(range(len(points)), key=lambda i: points[i])
        tops.append(f"for {name}: {labels[best]} ({_with_unit(points[best], unit)})")
    summary = "Largest " + "; ".join(tops) + "."
    if len(names) >= 2:
        first, second = values[0], values[1]
        widest = max(range(len(labels)), key=lambda i: abs(first[i] - second[i]))
        summary += (
            f" Biggest difference: {labels[widest]} ({names[0]} {_with_unit(first[widest], unit)}, "
            f"{names[1]} {_with_unit(second[widest], unit)})."
        )
    return summary
