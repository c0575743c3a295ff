"""The course network map: pure functions, so plain pytest with no database."""

from __future__ import annotations

import csv
import io
import itertools
import math
import random
import re
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from insights.network_map import (
    Edge,
    NetworkMap,
    Node,
    build_graph,
    csv_files,
    graphml,
    layout,
    measures,
    render_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
PRIVATE_ID = 918273  # a distinctive id: it must never show up in any output


def small_course() -> tuple[list[Node], list[Edge]]:
    """1 ⇄ 2 → 3 → 4, and 5 alone. 4 is private."""
    nodes = [
        Node(1, "Maria López", 12),
        Node(2, "Ahmed", 30),
        Node(3, "Chen", 5),
        Node(PRIVATE_ID, None, 1),
        Node(5, "Lonely Lou", 0),
    ]
    edges = [
        Edge(1, 2, replies=2, shares=1),
        Edge(2, 1, replies=1, shares=0),
        Edge(2, 3, replies=1, shares=1),
        Edge(3, PRIVATE_ID, replies=0, shares=1),
    ]
    return nodes, edges


def small_graph() -> nx.DiGraph:
    return build_graph(*small_course())


def parse(chart: NetworkMap) -> ET.Element:
    return ET.fromstring(str(chart.svg))  # noqa: S314 - our own output, not untrusted input


def attr(element: ET.Element, name: str) -> str:
    value = element.get(name)
    assert value is not None, name
    return value


def child_text(element: ET.Element, tag: str) -> str:
    child = element.find(f"{SVG}{tag}")
    assert child is not None, tag
    return child.text or ""


def texts(root: ET.Element) -> list[str]:
    return [text.text or "" for text in root.iter(f"{SVG}text")]


def draw(graph: nx.DiGraph, **kwargs) -> NetworkMap:
    kwargs.setdefault("id", "map")
    kwargs.setdefault("caption", "Week 3 network")
    return render_svg(graph, layout(graph), **kwargs)


# ----------------------------------------------------------------------------------------------- build


def test_build_drops_unknown_nodes_and_self_loops_and_merges_duplicates():
    nodes = [Node(1, "A", 1), Node(2, "B", 1), Node(3, "C", 1)]
    edges = [
        Edge(1, 2, replies=1, shares=0),
        Edge(1, 2, replies=2, shares=3),  # duplicate: summed
        Edge(2, 2, replies=5, shares=0),  # self-loop
        Edge(3, 99, replies=1, shares=0),  # unknown target
        Edge(98, 1, replies=1, shares=0),  # unknown source
        Edge(2, 3, replies=0, shares=0),  # no interaction: no connection
        Edge(3, 1, replies=0, shares=4),
    ]
    graph = build_graph(nodes, edges)
    assert sorted(graph.edges) == [(1, 2), (3, 1)]
    assert graph.edges[1, 2] == {"replies": 3, "shares": 3, "weight": 6}
    assert graph.edges[3, 1] == {"replies": 0, "shares": 4, "weight": 4}
    assert sorted(graph.nodes) == [1, 2, 3]


def test_build_rejects_a_repeated_node_id():
    with pytest.raises(ValueError, match="twice"):
        build_graph([Node(1, "A", 1), Node(1, "A again", 2)], [])


def test_private_people_are_numbered_per_map_in_id_order_never_by_id():
    nodes = [Node(40, None, 1), Node(7, "Named", 1), Node(PRIVATE_ID, None, 1), Node(12, "   ", 1)]
    graph = build_graph(nodes, [])
    labels = {node: graph.nodes[node]["label"] for node in graph}
    # a blank name counts as no name
    assert labels == {7: "Named", 12: "Participant 1", 40: "Participant 2", PRIVATE_ID: "Participant 3"}
    assert [graph.nodes[n]["private"] for n in sorted(graph)] == [False, True, True, True]


# ---------------------------------------------------------------------------------------------- layout


def distance_from_centre(point: tuple[float, float]) -> float:
    return math.hypot(point[0] - 0.5, point[1] - 0.5)


def test_layout_is_deterministic_whatever_the_input_order_and_in_bounds():
    nodes, edges = small_course()
    first = layout(build_graph(nodes, edges))
    shuffled_nodes, shuffled_edges = nodes[::-1], edges[::-1]
    second = layout(build_graph(shuffled_nodes, shuffled_edges))
    assert first == second
    assert set(first) == {1, 2, 3, PRIVATE_ID, 5}
    for x, y in first.values():
        assert 0.0 <= x <= 1.0
        assert 0.0 <= y <= 1.0
    assert layout(build_graph(nodes, edges), seed=8) != first


def test_isolated_people_sit_on_the_outer_band_and_connected_people_inside():
    nodes = [Node(i, f"P{i}", i) for i in range(1, 31)]
    edges = [Edge(i, i + 1, replies=1, shares=0) for i in range(1, 20)]  # 21..30 have no tie
    positions = layout(build_graph(nodes, edges))
    inner = [distance_from_centre(positions[i]) for i in range(1, 21)]
    outer = [distance_from_centre(positions[i]) for i in range(21, 31)]
    assert max(inner) <= 0.40 + 1e-6
    assert min(outer) >= 0.41
    assert max(outer) <= 0.5
    # evenly round the ring: consecutive isolated people are the same angle apart
    angles = sorted(math.atan2(positions[i][1] - 0.5, positions[i][0] - 0.5) for i in range(21, 31))
    gaps = [b - a for a, b in itertools.pairwise(angles)]
    assert max(gaps) == pytest.approx(min(gaps), abs=1e-9)
    assert min(gaps) == pytest.approx(2 * math.pi / 10, abs=1e-9)


def test_layout_with_nobody_connected_and_with_nobody_at_all():
    assert layout(build_graph([], [])) == {}
    positions = layout(build_graph([Node(1, "A", 0)], []))
    assert distance_from_centre(positions[1]) >= 0.41


def test_large_graph_layout_places_everyone_deterministically_inside_the_disc():
    rng = random.Random(3)
    people = 700  # above the spring layout core size: the core + placement path
    nodes = [Node(i, f"P{i}", rng.randint(0, 9)) for i in range(people)]
    edges = [Edge(rng.randrange(people), rng.randrange(people), 1, 0) for _ in range(1400)]
    edges += [Edge(5000 + i, 1, 1, 0) for i in range(3)]  # unknown ids: dropped
    nodes += [Node(900 + i, f"Q{i}", 1) for i in range(6)]
    edges += [Edge(900 + i, 900 + i + 1, 1, 0) for i in range(0, 6, 2)]  # three pairs the core can't reach
    graph = build_graph(nodes, edges)
    positions = layout(graph)
    assert positions == layout(graph)
    assert set(positions) == set(graph)
    connected = [node for node in graph if graph.degree(node)]
    assert all(distance_from_centre(positions[node]) <= 0.40 + 1e-6 for node in connected)
    assert len({positions[node] for node in connected}) == len(connected)  # nobody stacked on anybody


# ----------------------------------------------------------------------------------------------- render


def test_svg_has_one_circle_per_person_and_one_line_per_tie():
    graph = small_graph()
    root = parse(draw(graph))
    assert len(root.findall(f".//{SVG}circle")) == 5
    assert len(root.findall(f".//{SVG}line")) == 4


def test_circle_area_follows_activity_and_idle_people_stay_visible():
    nodes = [Node(1, "Idle", 0), Node(2, "Some", 1), Node(3, "More", 5), Node(4, "Most", 30)]
    graph = build_graph(nodes, [Edge(1, 2, 1, 0)])
    root = parse(draw(graph))
    radius = {
        child_text(circle, "title").split(":")[0]: float(attr(circle, "r")) for circle in root.iter(f"{SVG}circle")
    }
    assert radius["Idle"] < radius["Some"] < radius["More"] < radius["Most"]
    assert radius["Idle"] >= 3


def test_line_width_follows_weight():
    graph = build_graph([Node(1, "A", 1), Node(2, "B", 1), Node(3, "C", 1)], [Edge(1, 2, 1, 0), Edge(1, 3, 6, 2)])
    positions = {1: (0.1, 0.5), 2: (0.9, 0.1), 3: (0.9, 0.9)}
    root = parse(render_svg(graph, positions, id="m", caption="c"))
    lines = root.findall(f".//{SVG}line")
    by_end = {float(attr(line, "y2")) > 400: float(attr(line, "stroke-width")) for line in lines}
    assert by_end[True] > by_end[False]  # the 8-weight tie down to C is wider than the 1-weight one up to B


def test_svg_is_accessible_and_csp_safe():
    chart = draw(small_graph(), id="week-3", caption="Week 3 network")
    root = parse(chart)
    assert root.get("role") == "img"
    title_id, desc_id = attr(root, "aria-labelledby").split()
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert (title.get("id"), title.text) == (title_id, "Week 3 network")
    assert (desc.get("id"), desc.text) == (desc_id, chart.summary)
    for element in root.iter():
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)
        assert element.tag not in {f"{SVG}style", f"{SVG}script", f"{SVG}foreignObject"}


def test_every_person_has_a_tooltip_and_only_top_named_people_get_labels():
    graph = small_graph()
    root = parse(draw(graph, label_top=2))
    tips = sorted(child_text(circle, "title") for circle in root.iter(f"{SVG}circle"))
    assert tips == [
        "Ahmed: 30 actions, 2 connections",
        "Chen: 5 actions, 2 connections",
        "Lonely Lou: 0 actions, 0 connections",
        "Maria López: 12 actions, 1 connection",
        "Participant 1: 1 action, 1 connection",
    ]
    labels = texts(root)
    assert labels == ["Ahmed", "Chen"]  # the two most connected
    all_labels = texts(parse(draw(graph, label_top=15)))
    assert "Participant 1" not in all_labels  # private people are never labelled on the picture
    assert "Lonely Lou" not in all_labels  # nor are people with no connection
    assert sorted(all_labels) == ["Ahmed", "Chen", "Maria López"]


def relative_luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_colours_have_at_least_three_to_one_contrast_on_white():
    svg = str(draw(small_graph()).svg)
    colours = set(re.findall(r'(?:fill|stroke)="(#[0-9a-fA-F]{6})"', svg)) - {"#ffffff"}  # white outlines only
    assert len(colours) >= 3
    for colour in colours:
        assert 1.05 / (relative_luminance(colour) + 0.05) >= 3, colour


def test_hostile_labels_caption_and_id_are_escaped():
    hostile = "<script>alert(\"x\")</script> & 'q' \x07"
    graph = build_graph([Node(1, hostile, 5), Node(2, "B", 1)], [Edge(1, 2, 1, 0)])
    with pytest.raises(ValueError, match="map id"):
        render_svg(graph, layout(graph), id='m" onload="x', caption="c")
    chart = render_svg(graph, layout(graph), id="m", caption="<b>Week</b> & co")
    svg = str(chart.svg)
    assert "<script" not in svg
    assert "<b>" not in svg
    root = ET.fromstring(svg)  # noqa: S314 - still well-formed XML: the control character is gone
    assert child_text(root, "title") == "<b>Week</b> & co"
    clean = "<script>alert(\"x\")</script> & 'q'"
    assert clean + ": 5 actions, 1 connection" in [child_text(c, "title") for c in root.iter(f"{SVG}circle")]
    assert texts(root) == ['<script>alert("x")</scr…', "B"]  # long names are shortened on the picture only
    assert chart.rows[0][0] == clean


def test_summary_and_table():
    chart = draw(small_graph())
    assert chart.summary == (
        "5 participants, 4 connections; 1 person has no connection yet; "
        "most connected: Ahmed (2), Chen (2), Maria López (1)"
    )
    assert chart.caption == "Week 3 network"
    assert chart.columns == ["Participant", "Activity", "Connections", "Incoming (people)", "Outgoing (people)"]
    assert chart.rows == [
        ["Ahmed", "30", "2", "1", "2"],
        ["Chen", "5", "2", "1", "1"],
        ["Maria López", "12", "1", "1", "1"],
        ["Participant 1", "1", "1", "1", "0"],
        ["Lonely Lou", "0", "0", "0", "0"],
    ]


def test_private_person_is_anonymous_everywhere_and_no_id_leaks():
    graph = small_graph()
    chart = draw(graph)
    nodes_csv, edges_csv = csv_files(graph)
    outputs = {
        "svg": str(chart.svg),
        "summary": chart.summary,
        "rows": repr(chart.rows),
        "measures": repr(measures(graph)),
        "graphml": graphml(graph).decode(),
        "nodes csv": nodes_csv,
        "edges csv": edges_csv,
    }
    for name, text in outputs.items():
        assert str(PRIVATE_ID) not in text, name
        assert "None" not in text, name
    assert "Participant 1" in outputs["svg"]
    assert re.search(r"\bParticipant \d+\b", outputs["graphml"])
    exported = list(csv.DictReader(io.StringIO(nodes_csv)))
    assert sorted(row["Label"] for row in exported) == ["Ahmed", "Chen", "Lonely Lou", "Maria López", "Participant 1"]
    assert all(re.fullmatch(r"p\d+", row["Id"]) for row in exported)  # per-map ids, not database ids


# --------------------------------------------------------------------------------------------- measures


def test_measures_on_a_hand_computed_graph():
    rows = {name: value for name, value, _ in measures(small_graph())}
    # 5 people, 4 one-way ties: density 4 / (5 × 4) = 0.2; 1→2 and 2→1 are returned: 2 of 4 ties = 0.5
    assert rows["Participants"] == "5"
    assert rows["Connections"] == "4"
    assert rows["Replies and shares"] == "7"  # 3 + 1 + 2 + 1
    assert rows["Density"] == "0.200"
    assert rows["Reciprocity"] == "0.50"
    assert rows["Components"] == "2 (largest: 4 people)"
    assert rows["Isolated participants"] == "1"
    assert rows["Average degree"] == "1.60"  # 2 × 4 / 5
    assert rows["Most connected (degree)"] == "Ahmed (2), Chen (2), Maria López (1), Participant 1 (1)"
    # directed shortest paths: 2 lies on 1→3 and 1→4, 3 on 1→4 and 2→4: 2 / ((5-1)(5-2)) each
    assert rows["Bridges (betweenness)"] == "Ahmed (0.167), Chen (0.167)"


def test_measures_on_four_people_in_a_chain():
    graph = build_graph([Node(i, f"P{i}", 1) for i in range(1, 5)], [Edge(i, i + 1, 1, 0) for i in range(1, 4)])
    rows = {name: value for name, value, _ in measures(graph)}
    assert rows["Density"] == "0.250"  # 3 / (4 × 3)
    assert rows["Reciprocity"] == "0.00"
    assert rows["Components"] == "1 (largest: 4 people)"


def test_measures_without_any_tie_or_anyone():
    rows = {name: value for name, value, _ in measures(build_graph([Node(1, "A", 0), Node(2, None, 0)], []))}
    assert rows["Reciprocity"] == "n/a"
    assert rows["Isolated participants"] == "2"
    assert rows["Most connected (degree)"] == "none yet"
    empty = {name: value for name, value, _ in measures(build_graph([], []))}
    assert empty["Participants"] == "0"
    assert empty["Density"] == "n/a"


def test_betweenness_is_sampled_with_a_fixed_seed_on_large_graphs():
    people = 260
    graph = build_graph(
        [Node(i, f"P{i}", 1) for i in range(people)], [Edge(i, (i + 1) % people, 1, 0) for i in range(people)]
    )
    first = measures(graph)
    assert first == measures(graph)
    meaning = {name: text for name, _, text in first}
    assert "Estimated from 200 sampled people" in meaning["Bridges (betweenness)"]
    assert "Estimated" not in {name: text for name, _, text in measures(small_graph())}["Bridges (betweenness)"]


# ---------------------------------------------------------------------------------------------- exports


def test_graphml_parses_back_with_the_same_ties_and_weights():
    graph = small_graph()
    parsed = nx.parse_graphml(graphml(graph).decode())
    assert parsed.is_directed()
    labels = {node: data["label"] for node, data in parsed.nodes(data=True)}
    assert sorted(labels.values()) == ["Ahmed", "Chen", "Lonely Lou", "Maria López", "Participant 1"]
    name = {node: graph.nodes[node]["label"] for node in graph}
    original = {(name[s], name[t]): (d["replies"], d["shares"], d["weight"]) for s, t, d in graph.edges(data=True)}
    back = {(labels[s], labels[t]): (d["replies"], d["shares"], d["weight"]) for s, t, d in parsed.edges(data=True)}
    assert back == original
    assert {labels[n]: d["activity"] for n, d in parsed.nodes(data=True)}["Ahmed"] == 30


def test_csv_files_use_gephi_columns_and_match_the_graph():
    nodes_csv, edges_csv = csv_files(small_graph())
    nodes = list(csv.reader(io.StringIO(nodes_csv)))
    edges = list(csv.reader(io.StringIO(edges_csv)))
    assert nodes[0] == ["Id", "Label", "Activity"]
    assert edges[0] == ["Source", "Target", "Type", "Weight", "Replies", "Shares"]
    label = {row[0]: row[1] for row in nodes[1:]}
    assert len(nodes) == 6
    assert sorted((label[s], label[t], kind, w, r, sh) for s, t, kind, w, r, sh in edges[1:]) == [
        ("Ahmed", "Chen", "Directed", "2", "1", "1"),
        ("Ahmed", "Maria López", "Directed", "1", "1", "0"),
        ("Chen", "Participant 1", "Directed", "1", "0", "1"),
        ("Maria López", "Ahmed", "Directed", "3", "2", "1"),
    ]


@pytest.mark.parametrize("label", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"])
def test_csv_guards_against_formula_injection(label):
    nodes_csv, _ = csv_files(build_graph([Node(1, label, 1), Node(2, "Safe = fine", 1)], []))
    labels = [row["Label"] for row in csv.DictReader(io.StringIO(nodes_csv))]
    assert labels == ["'" + label, "Safe = fine"]
