"""Server-rendered SVG charts: structure, proportions, escaping, accessibility, colours, and the template."""

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.template.loader import render_to_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights import charts
from insights.charts import Chart, compare_bars, contrast_ratio, heatmap, line_chart, stacked_bars

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(\"x\")</script> & 'Tom' <b>"
TUESDAY = date(2026, 11, 3)
SUNDAY = date(2026, 11, 8)


def parse(chart: Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))  # noqa: S314 - our own output, not untrusted input


def find(root: ET.Element, tag: str, cls: str | None = None) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}{tag}") if cls is None or e.get("class") == cls]


def example_charts(label: str = "Week 1", name: str = "Maria") -> list[Chart]:
    """One of each kind, with data, using `label` and `name` wherever a user could put text."""
    return [
        heatmap({TUESDAY: 4, TUESDAY - timedelta(days=9): 1}, end=TUESDAY, id="hm", caption=f"Activity of {name}"),
        line_chart([label, "Week 2"], {name: [3, 5], "Course": [2, 2]}, id="ln", caption=name, y_label=name),
        stacked_bars([label, "Nov"], {name: [3, 0], "Others": [1, 2]}, id="sb", caption=name, y_label=name),
        compare_bars([label, "Question"], {name: [60, 40], "Course": [50, 50]}, id="cb", caption=name),
    ]


def empty_charts() -> list[Chart]:
    return [
        heatmap({}, end=TUESDAY, id="hm", caption="Activity"),
        line_chart([], {}, id="ln", caption="Lines", y_label="Actions"),
        stacked_bars([], {}, id="sb", caption="Bars", y_label="Shares"),
        compare_bars([], {}, id="cb", caption="Mix"),
    ]


# --- colours ------------------------------------------------------------------------------------------------


def test_contrast_ratio_matches_known_wcag_values() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21)
    assert contrast_ratio("#1f5f8b", "#1f5f8b") == pytest.approx(1)
    assert contrast_ratio("#777777") == pytest.approx(4.48, abs=0.01)  # the classic "just fails AA" grey
    with pytest.raises(ValueError, match="colour"):
        contrast_ratio("red")


@pytest.mark.parametrize("colour", charts.PALETTE)
def test_every_series_colour_has_3_to_1_contrast_against_white(colour: str) -> None:
    assert contrast_ratio(colour, "#ffffff") >= 3


@pytest.mark.parametrize("colour", charts.TEXT_COLOURS)
def test_every_text_colour_has_4_5_to_1_contrast_against_white(colour: str) -> None:
    assert contrast_ratio(colour, "#ffffff") >= 4.5


def test_heatmap_levels_with_activity_pass_3_to_1_and_get_darker() -> None:
    levels = charts.HEATMAP_LEVELS
    assert len(levels) == 5
    ratios = [contrast_ratio(colour) for colour in levels]
    assert all(ratio >= 3 for ratio in ratios[1:])
    assert ratios == sorted(ratios)
    assert len(set(ratios)) == 5


def test_charts_draw_only_palette_and_text_colours() -> None:
    allowed = {*charts.PALETTE, *charts.TEXT_COLOURS, *charts.HEATMAP_LEVELS, charts.GRID, "#ffffff", "none"}
    for chart in example_charts():
        for element in parse(chart).iter():
            for attribute in ("fill", "stroke"):
                value = element.get(attribute)
                if value is not None and not value.startswith("url(#"):
                    assert value in allowed, (chart.caption, element.tag, value)
        for text in find(parse(chart), "text"):
            assert text.get("fill") in charts.TEXT_COLOURS


# --- heatmap ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "cells"),
    [(SUNDAY, 364), (TUESDAY, 51 * 7 + 2), (date(2026, 11, 2), 51 * 7 + 1), (date(2024, 3, 3), 364)],
)
def test_heatmap_draws_one_cell_per_day_up_to_end(end: date, cells: int) -> None:
    root = parse(heatmap({}, end=end, id="hm", caption="Activity"))
    days = find(root, "rect", "chart-day")
    assert len(days) == cells
    dates = [date.fromisoformat(cell.get("data-date", "")) for cell in days]
    assert max(dates) == end
    assert min(dates).weekday() == 0  # columns start on Monday
    assert len(set(dates)) == cells


def test_heatmap_cells_are_columns_of_weeks_and_rows_of_weekdays() -> None:
    days = find(parse(heatmap({}, end=SUNDAY, weeks=3, id="hm", caption="A")), "rect", "chart-day")
    position = {date.fromisoformat(c.get("data-date", "")): (float(c.get("x", 0)), float(c.get("y", 0))) for c in days}
    monday = SUNDAY - timedelta(days=6)
    assert position[monday][0] == position[SUNDAY][0]  # same week, same column
    assert position[monday][1] < position[SUNDAY][1]  # Monday on top
    assert position[monday - timedelta(weeks=1)][0] < position[monday][0]
    assert position[monday - timedelta(weeks=1)][1] == position[monday][1]


def test_heatmap_cells_have_a_tooltip_and_a_level_by_count() -> None:
    data = {TUESDAY: 4, TUESDAY - timedelta(days=1): 1, TUESDAY - timedelta(days=2): 8}
    cells = {c.get("data-date"): c for c in find(parse(heatmap(data, end=TUESDAY, id="hm", caption="A")), "rect")}
    tuesday = cells["2026-11-03"]
    assert tuesday.findtext(f"{SVG}title") == "Tue 3 Nov 2026: 4 actions"
    assert cells["2026-11-02"].findtext(f"{SVG}title") == "Mon 2 Nov 2026: 1 action"
    assert cells["2026-10-30"].findtext(f"{SVG}title") == "Fri 30 Oct 2026: 0 actions"
    levels = charts.HEATMAP_LEVELS
    assert cells["2026-10-30"].get("fill") == levels[0]
    assert cells["2026-11-02"].get("fill") == levels[1]
    assert tuesday.get("fill") == levels[2]
    assert cells["2026-11-01"].get("fill") == levels[4]


def test_heatmap_labels_each_month_above_the_column_of_its_first_day_and_each_year_once() -> None:
    root = parse(heatmap({}, end=TUESDAY, id="hm", caption="A"))
    column_of = {c.get("data-date"): c.get("x") for c in find(root, "rect", "chart-day")}
    texts = [(t.text, t.get("x")) for t in find(root, "text")]
    months = [(text, x) for text, x in texts if text in ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug")]
    months += [(text, x) for text, x in texts if text in ("Sep", "Oct", "Nov", "Dec")]
    assert sorted(months, key=lambda m: float(m[1] or 0))[0] == ("Dec", column_of["2025-12-01"])
    assert ("Jan", column_of["2026-01-01"]) in months
    assert ("Nov", column_of["2026-11-01"]) in months
    assert len(months) == 12
    assert [(text, x) for text, x in texts if text in ("2025", "2026")] == [
        ("2025", column_of["2025-12-01"]),
        ("2026", column_of["2026-01-01"]),
    ]


def test_heatmap_has_a_legend_naming_the_counts_of_each_level() -> None:
    root = parse(heatmap({TUESDAY: 8}, end=TUESDAY, id="hm", caption="A"))
    texts = [t.text for t in find(root, "text")]
    assert texts[texts.index("Actions a day:") + 1 :] == ["0", "1–2", "3–4", "5–6", "7–8"]
    swatches = [r for r in find(root, "rect") if r.get("class") != "chart-day"]
    assert [r.get("fill") for r in swatches] == list(charts.HEATMAP_LEVELS)


def test_heatmap_table_lists_weeks_with_totals_and_summary_names_the_busiest() -> None:
    data = {date(2026, 10, 26): 3, date(2026, 10, 28): 11, TUESDAY: 2, date(2025, 1, 1): 99}  # last is too old
    chart = heatmap(data, end=TUESDAY, id="hm", caption="Activity")
    assert chart.columns == ["Week of", "Actions", "Active days"]
    assert len(chart.rows) == 52
    assert chart.rows[0][0] == "10 Nov 2025"
    assert chart.rows[-2:] == [["26 Oct 2026", "14", "2"], ["2 Nov 2026", "2", "1"]]
    assert chart.summary == (
        "Busiest week: week of 26 Oct 2026 with 14 actions. 2 of 52 weeks active, 16 actions in all."
    )


def test_heatmap_with_no_activity_says_no_data_yet() -> None:
    chart = heatmap({}, end=TUESDAY, weeks=4, id="hm", caption="Activity")
    assert chart.summary.startswith("No data yet.")
    assert {cell.get("fill") for cell in find(parse(chart), "rect", "chart-day")} == {charts.HEATMAP_LEVELS[0]}


def test_heatmap_rejects_negative_counts_and_bad_weeks() -> None:
    with pytest.raises(ValueError, match="negative"):
        heatmap({TUESDAY: -1}, end=TUESDAY, id="hm", caption="A")
    with pytest.raises(ValueError, match="week"):
        heatmap({}, end=TUESDAY, weeks=0, id="hm", caption="A")


# --- line chart ---------------------------------------------------------------------------------------------


def test_line_chart_draws_a_point_per_value_and_a_line_per_series() -> None:
    labels = ["W1", "W2", "W3", "W4"]
    chart = line_chart(
        labels, {"A": [1, 2, 3, 4], "B": [4, 3, 2, 1], "C": [0, 0, 5, 5]}, id="ln", caption="C", y_label="N"
    )
    root = parse(chart)
    assert len(find(root, "circle", "chart-point")) == 12
    paths = [p for p in find(root, "path") if p.get("fill") == "none"]
    assert len(paths) == 3
    assert len({p.get("stroke") for p in paths}) == 3
    assert len({p.get("stroke-dasharray") for p in paths}) == 3  # told apart without colour
    assert [t.text for t in find(root, "text") if t.text in labels] == labels
    assert chart.columns == ["Period", "A", "B", "C"]
    assert chart.rows[2] == ["W3", "3", "2", "5"]


def test_line_chart_points_sit_at_heights_proportional_to_values() -> None:
    root = parse(line_chart(["a", "b", "c"], {"A": [0, 10, 20]}, id="ln", caption="C", y_label="N"))
    zero, ten, twenty = (float(c.get("cy", "nan")) for c in find(root, "circle", "chart-point"))
    assert zero - twenty == pytest.approx(2 * (zero - ten), abs=0.02)
    xs = [float(c.get("cx", "nan")) for c in find(root, "circle", "chart-point")]
    assert xs == sorted(xs)
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1], abs=0.02)


def test_line_chart_with_one_point_draws_a_point_but_no_line() -> None:
    chart = line_chart(["Week 1"], {"A": [3]}, id="ln", caption="C", y_label="N")
    root = parse(chart)
    assert len(find(root, "circle", "chart-point")) == 1
    assert [p for p in find(root, "path") if p.get("fill") == "none"] == []
    assert chart.summary == "N, Week 1. A 3."


def test_line_chart_summary_names_peaks_and_latest_values() -> None:
    chart = line_chart(
        ["W1", "W2", "W3"], {"Me": [1, 9, 4], "Course": [2, 3, 5]}, id="ln", caption="C", y_label="Posts"
    )
    assert chart.summary == "Posts, W1 to W3. Me peaked at 9 (W2), latest 4; Course peaked at 5 (W3), latest 5."


def test_line_chart_rejects_mismatched_lengths_and_too_many_series() -> None:
    with pytest.raises(ValueError, match="2 values for 3 labels"):
        line_chart(["a", "b", "c"], {"A": [1, 2]}, id="ln", caption="C", y_label="N")
    with pytest.raises(ValueError, match="at most 5"):
        line_chart(["a"], {str(i): [i] for i in range(6)}, id="ln", caption="C", y_label="N")
    with pytest.raises(ValueError, match="finite"):
        line_chart(["a"], {"A": [math.nan]}, id="ln", caption="C", y_label="N")


# --- stacked bars -------------------------------------------------------------------------------------------


def test_stacked_bars_draw_a_segment_per_non_zero_value() -> None:
    series = {"Support": [3, 0, 2], "Question": [0, 0, 4], "Challenge": [1, 0, 0]}
    chart = stacked_bars(["Sep", "Oct", "Nov"], series, id="sb", caption="Tones", y_label="Replies")
    bars = find(parse(chart), "rect", "chart-bar")
    assert len(bars) == 4
    assert all(float(bar.get("height", 0)) > 0 for bar in bars)
    assert chart.columns == ["Period", "Support", "Question", "Challenge", "Total"]
    assert chart.rows == [["Sep", "3", "0", "1", "4"], ["Oct", "0", "0", "0", "0"], ["Nov", "2", "4", "0", "6"]]


def test_stacked_bars_heights_are_proportional_and_segments_stack() -> None:
    chart = stacked_bars(["a", "b"], {"Own": [10, 20], "Others": [5, 0]}, id="sb", caption="C", y_label="N")
    own_a, others_a, own_b = find(parse(chart), "rect", "chart-bar")
    height = {
        name: float(bar.get("height", 0)) for name, bar in [("own_a", own_a), ("others_a", others_a), ("own_b", own_b)]
    }
    assert height["own_b"] == pytest.approx(2 * height["own_a"], abs=0.02)
    assert height["own_a"] == pytest.approx(2 * height["others_a"], abs=0.02)
    # "Others" sits directly on top of "Own" in the same column.
    assert others_a.get("x") == own_a.get("x")
    assert float(others_a.get("y", 0)) + height["others_a"] == pytest.approx(float(own_a.get("y", 0)), abs=0.02)
    assert own_a.findtext(f"{SVG}title") == "Own, a: 10 (67% of 15)"


def test_stacked_bars_series_are_told_apart_by_fill_patterns() -> None:
    chart = stacked_bars(["a"], {"A": [1], "B": [1], "C": [1]}, id="sb", caption="C", y_label="N")
    root = parse(chart)
    fills = [bar.get("fill") for bar in find(root, "rect", "chart-bar")]
    assert fills == [charts.PALETTE[0], "url(#sb-fill-1)", "url(#sb-fill-2)"]
    assert {p.get("id") for p in find(root, "pattern")} == {"sb-fill-1", "sb-fill-2"}


def test_stacked_bars_summary_gives_totals_and_shares() -> None:
    chart = stacked_bars(["Oct", "Nov"], {"Own": [1, 5], "Others": [2, 2]}, id="sb", caption="C", y_label="Shares")
    assert chart.summary == "Shares: 10 in all, most in Nov (7). Overall: Own 60% (6), Others 40% (4)."


def test_stacked_bars_reject_negative_values() -> None:
    with pytest.raises(ValueError, match="negative"):
        stacked_bars(["a"], {"A": [-1]}, id="sb", caption="C", y_label="N")


# --- compare bars -------------------------------------------------------------------------------------------


def test_compare_bars_draw_grouped_bars_with_lengths_proportional_to_values() -> None:
    chart = compare_bars(
        ["Support", "Question", "Challenge"], {"You": [40, 20, 0], "Course": [30, 35, 35]}, id="cb", caption="Mix"
    )
    root = parse(chart)
    bars = find(root, "rect", "chart-bar")
    assert len(bars) == 5  # the zero is drawn as a label only
    width = {bar.findtext(f"{SVG}title"): float(bar.get("width", 0)) for bar in bars}
    assert width["You, Support: 40%"] == pytest.approx(2 * width["You, Question: 20%"], abs=0.02)
    assert {bar.get("x") for bar in bars} == {bars[0].get("x")}  # all grow from the same axis
    texts = [t.text for t in find(root, "text")]
    assert "0%" in texts
    assert "40%" in texts
    assert chart.columns == ["Category", "You", "Course"]
    assert chart.rows[0] == ["Support", "40%", "30%"]
    assert chart.summary == (
        "Largest for You: Support (40%); for Course: Question (35%). "
        "Biggest difference: Challenge (You 0%, Course 35%)."
    )


def test_compare_bars_with_another_unit() -> None:
    chart = compare_bars(["a"], {"You": [2.5]}, id="cb", caption="Hours", unit="h")
    assert chart.rows == [["a", "2.5 h"]]
    assert "2.5 h" in [t.text for t in find(parse(chart), "text")]


# --- every chart --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(4))
def test_hostile_labels_are_escaped(index: int) -> None:
    chart = example_charts(label=HOSTILE, name=HOSTILE)[index]
    svg = str(chart.svg)
    assert "<script" not in svg
    assert "<b>" not in svg
    root = parse(chart)  # still well-formed
    assert not find(root, "script")
    assert not find(root, "b")
    texts = [e.text for e in root.iter() if e.text]
    assert any(HOSTILE in text for text in texts)


@pytest.mark.parametrize("index", range(4))
def test_empty_input_renders_a_valid_chart_that_says_no_data_yet(index: int) -> None:
    chart = empty_charts()[index]
    root = parse(chart)
    assert root.tag == f"{SVG}svg"
    assert chart.summary.startswith("No data yet")
    if index > 0:  # the heatmap still draws its empty calendar; the others say so in the picture
        assert "No data yet." in [t.text for t in find(root, "text")]
        assert chart.rows == []


def test_all_zero_values_say_no_data_yet() -> None:
    assert stacked_bars(["a"], {"A": [0]}, id="sb", caption="C", y_label="N").summary == "No data yet."
    assert compare_bars(["a"], {"A": [0]}, id="cb", caption="C").summary == "No data yet."


@pytest.mark.parametrize("chart", [*example_charts(), *empty_charts()], ids=lambda c: c.caption)
def test_svg_has_no_inline_style_script_or_external_reference(chart: Chart) -> None:
    svg = str(chart.svg)
    assert "style" not in svg.lower()
    assert "script" not in svg.lower()
    assert "href" not in svg
    for element in parse(chart).iter():
        assert not any(name.lower().startswith("on") for name in element.attrib)
        for value in element.attrib.values():
            if "url(" in value:
                assert re.fullmatch(r"url\(#[\w-]+\)", value)


@pytest.mark.parametrize("chart", [*example_charts(), *empty_charts()], ids=lambda c: c.caption)
def test_svg_is_an_image_named_by_its_title_and_desc(chart: Chart) -> None:
    root = parse(chart)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    title, desc = root[0], root[1]
    assert (title.tag, title.get("id"), title.text) == (f"{SVG}title", title_id, chart.caption)
    assert (desc.tag, desc.get("id"), desc.text) == (f"{SVG}desc", desc_id, chart.summary)
    assert root.get("width") == "100%"
    assert root.get("height") is None
    view_box = [float(n) for n in root.get("viewBox", "").split()]
    assert len(view_box) == 4
    assert view_box[:2] == [0, 0]
    assert view_box[2] > 0
    assert view_box[3] > 0
    font_sizes = [float(e.get("font-size", 0)) for e in root.iter() if e.get("font-size")]
    assert min(font_sizes) >= 12


def test_ids_are_unique_on_a_page_of_charts_and_references_resolve() -> None:
    page = example_charts()
    ids = [e.get("id") for chart in page for e in parse(chart).iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    for chart in page:
        own_ids = {e.get("id") for e in parse(chart).iter()}
        referenced = re.findall(r'url\(#([\w-]+)\)|aria-labelledby="([^"]+)"', str(chart.svg))
        for url_id, labelled_by in referenced:
            for ref in [url_id] if url_id else labelled_by.split():
                assert ref in own_ids


@pytest.mark.parametrize("bad", ["", "1chart", "a b", 'x"y', "<svg>"])
def test_chart_ids_must_be_plain_identifiers(bad: str) -> None:
    with pytest.raises(ValueError, match="id"):
        line_chart(["a"], {"A": [1]}, id=bad, caption="C", y_label="N")


# --- one property for every chart ---------------------------------------------------------------------------

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
GEOMETRY = {"x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height", "viewBox", "d", "font-size"}
values = st.one_of(st.integers(0, 10**9), st.floats(0, 1e9, allow_nan=False, allow_infinity=False))
names = st.text(min_size=1, max_size=12)


def assert_finite_geometry(chart: Chart) -> None:
    root = parse(chart)
    for element in root.iter():
        for name, value in element.attrib.items():
            if name in GEOMETRY and value != "100%":
                tokens = re.sub(r"[MLHVZ,]", " ", value).split()
                assert tokens, (name, value)
                for token in tokens:
                    assert NUMBER.fullmatch(token), (name, value)
                    assert math.isfinite(float(token))
    for bar in find(root, "rect", "chart-bar"):
        assert float(bar.get("height", -1)) >= 0
        assert float(bar.get("width", -1)) >= 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.integers(1, 8).flatmap(
        lambda n: st.tuples(
            st.lists(names, min_size=n, max_size=n),
            st.dictionaries(names, st.lists(values, min_size=n, max_size=n), max_size=5),
        )
    ),
)
def test_any_non_negative_data_gives_well_formed_svg_with_finite_numbers(
    data: tuple[list[str], dict[str, list[float]]],
) -> None:
    labels, series = data
    integers = {name: [int(v) for v in points] for name, points in series.items()}
    for chart in (
        line_chart(labels, series, id="ln", caption="C", y_label="N"),
        stacked_bars(labels, integers, id="sb", caption="C", y_label="N"),
        compare_bars(labels, series, id="cb", caption="C"),
    ):
        assert_finite_geometry(chart)
        assert len(chart.rows) == len(labels)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    days=st.dictionaries(st.dates(date(2025, 1, 1), date(2026, 12, 31)), st.integers(0, 10**6), max_size=60),
    weeks=st.integers(1, 60),
)
def test_any_activity_gives_a_well_formed_heatmap(days: dict[date, int], weeks: int) -> None:
    chart = heatmap(days, end=TUESDAY, weeks=weeks, id="hm", caption="Activity")
    assert_finite_geometry(chart)
    assert len(find(parse(chart), "rect", "chart-day")) == (weeks - 1) * 7 + TUESDAY.weekday() + 1
    assert len(chart.rows) == weeks


# --- the template -------------------------------------------------------------------------------------------


def render_page(*chart_list: Chart) -> str:
    figures = "".join(render_to_string("insights/chart.html", {"chart": chart}) for chart in chart_list)
    return (
        f'<!DOCTYPE html><html lang="en"><head><title>Charts</title></head><body><main>{figures}</main></body></html>'
    )


def test_template_renders_valid_html_with_figure_caption_and_data_table(
    valid_html: Callable[[str], None],
) -> None:
    chart = stacked_bars(["Oct", "Nov"], {"Own": [1, 5], "Others": [2, 2]}, id="sb", caption="Shares", y_label="N")
    html = render_page(chart, *example_charts(label=HOSTILE, name=HOSTILE), *empty_charts())
    valid_html(html)
    first = html[: html.index("</figure>")]
    assert '<figure class="chart">' in first
    assert str(chart.svg) in first
    assert f"<figcaption>Shares — {chart.summary}</figcaption>" in first
    assert "<summary>Data table</summary>" in first
    assert "<caption>Shares</caption>" in first
    assert re.findall(r'<th scope="col">([^<]*)</th>', first) == ["Period", "Own", "Others", "Total"]
    assert re.findall(r'<th scope="row">([^<]*)</th>', first) == ["Oct", "Nov"]
    assert "<td>7</td>" in first


def test_template_escapes_text_and_fills_an_empty_table(valid_html: Callable[[str], None]) -> None:
    chart = line_chart([], {HOSTILE: []}, id="ln", caption=HOSTILE, y_label="N")
    html = render_page(chart)
    valid_html(html)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert '<td colspan="2">No data yet.</td>' in html


@pytest.mark.parametrize("tiny", [5e-324, 1e-12])
def test_vanishingly_small_values_still_get_an_axis(tiny: float) -> None:
    for chart in (
        compare_bars(["a"], {"A": [tiny]}, id="cb", caption="C"),
        line_chart(["a", "b"], {"A": [0, tiny]}, id="ln", caption="C", y_label="N"),
    ):
        assert_finite_geometry(chart)
