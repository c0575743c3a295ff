"""The course network map as pure functions: build, lay out, draw, measure and export.

No database and no models: the caller (a selector) turns rollup rows for one course and week range into
``Node``/``Edge`` values and hands them here. The steps are separate so the caller can cache the expensive
one (``layout``) and re-draw cheaply.

Privacy: a node whose label is ``None`` (a private profile) is shown everywhere as "Participant N", where
N numbers the private people of this map 1..k in id order. Ids never leave this module: the SVG carries
none, and the exports renumber every node ``p1..pN``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString, mark_safe

# networkx, numpy and scipy are imported by the functions that draw or measure a map, not with this module: every
# web worker imports it (through the insights views) and only the few requests for a map use them; loaded at start-up
# they were ~80 MB of each worker's memory, and a few hundred thousand more objects for every full garbage collection.
if TYPE_CHECKING:
    import networkx as nx
    import numpy as np

__all__ = [
    "Edge",
    "NetworkMap",
    "Node",
    "build_graph",
    "csv_files",
    "graphml",
    "layout",
    "measures",
    "render_svg",
]


@dataclass(frozen=True, slots=True)
class Node:
    id: int
    label: str | None  # None: private profile, shown anonymised
    activity: int


@dataclass(frozen=True, slots=True)
class Edge:
    source: int  # the person who replied or shared
    target: int  # the person whose work was replied to or shared
    replies: int
    shares: int


@dataclass(frozen=True)
class NetworkMap:
    """Same shape as a chart: an accessible SVG, a plain-words summary and a data table."""

    svg: SafeString
    summary: str
    columns: list[str]
    rows: list[list[str]]
    caption: str
    table_html: SafeString | None = None  # the data table already rendered (a stored drawing)


# ---------------------------------------------------------------------------------------------- build

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ufffe\uffff]")
_SPACES = re.compile(r"\s+")


def _clean_label(label: str | None) -> str | None:
    """Drop characters XML cannot carry and collapse whitespace; blank means no name."""
    if label is None:
        return None
    cleaned = _SPACES.sub(" ", _CONTROL.sub(" ", label)).strip()
    return cleaned or None


def build_graph(nodes: Iterable[Node], edges: Iterable[Edge]) -> nx.DiGraph:
    """A directed graph: node attributes ``label`` (display, anonymised), ``private``, ``activity``;
    edge attributes ``replies``, ``shares``, ``weight``.

    Edges to unknown nodes and self-loops are dropped; duplicate edges are merged by summing; an edge
    with no replies and no shares is not a connection. Nodes and edges are inserted in id order so the
    same data gives the same graph whatever order it arrives in. A repeated node id is a caller bug.
    """
    import networkx as nx

    by_id: dict[int, Node] = {}
    for node in nodes:
        if node.id in by_id:
            raise ValueError(f"node id {node.id} given twice")
        by_id[node.id] = node

    graph = nx.DiGraph()
    private_number = 0
    for node_id in sorted(by_id):
        node = by_id[node_id]
        label = _clean_label(node.label)
        private = label is None
        if label is None:
            private_number += 1
            label = f"Participant {private_number}"
        graph.add_node(node_id, label=label, private=private, activity=max(0, int(node.activity)))

    merged: dict[tuple[int, int], list[int]] = {}
    for edge in edges:
        if edge.source == edge.target or edge.source not in by_id or edge.target not in by_id:
            continue
        counts = merged.setdefault((edge.source, edge.target), [0, 0])
        counts[0] += max(0, int(edge.replies))
        counts[1] += max(0, int(edge.shares))
    for (source, target), (replies, shares) in sorted(merged.items()):
        if replies + shares > 0:
            graph.add_edge(source, target, replies=replies, shares=shares, weight=replies + shares)
    return graph


# --------------------------------------------------------------------------------------------- layout

# nx.spring_layout below 500 nodes runs its dense numpy path: 50 iterations on ~480 nodes take about a
# second. Its sparse paths (500+ nodes) cost O(n²) per step with a Python loop or an L-BFGS line search:
# about 2-5 s for a single step at 5,000 nodes (bench/network_map_bench.py). So a bigger graph is laid
# out as a core of its best-connected people by spring_layout, and everyone else is placed next to the
# people they are tied to.
_CORE_SIZE = 480
_ITERATIONS = 50
_INNER_RADIUS = 0.40  # connected people sit in this disc around the centre
_RING_RADII = (0.475, 0.445, 0.415)  # isolated people: the outer band, staggered rings
_RING_CAPACITY = 120  # people per ring before another ring is added


def _undirected(graph: nx.DiGraph) -> nx.Graph:
    """Connected people only, in id order; ties in both directions add up. The attraction grows with
    the log of the weight so one busy pair doesn't collapse onto a point."""
    import networkx as nx

    totals: dict[tuple[int, int], int] = {}
    for source, target, weight in graph.edges(data="weight"):
        key = (source, target) if source < target else (target, source)
        totals[key] = totals.get(key, 0) + int(weight)
    undirected = nx.Graph()
    undirected.add_nodes_from(sorted({node for pair in totals for node in pair}))
    for (a, b), weight in sorted(totals.items()):
        undirected.add_edge(a, b, pull=1.0 + math.log(max(weight, 1)))
    return undirected


def _spring(undirected: nx.Graph, seed: int) -> tuple[list[int], np.ndarray]:
    import networkx as nx
    import numpy as np
    from scipy.sparse.csgraph import connected_components

    order = list(undirected)
    if len(order) <= _CORE_SIZE:
        placed = nx.spring_layout(undirected, seed=seed, iterations=_ITERATIONS, weight="pull")
        return order, np.array([placed[node] for node in order], dtype=float)

    strength = dict(undirected.degree(weight="pull"))
    core = sorted(sorted(order, key=lambda node: (-strength[node], node))[:_CORE_SIZE])
    core_graph = nx.Graph()
    core_graph.add_nodes_from(core)
    core_edges_pulls = sorted(
        (min(a, b), max(a, b), pull) for a, b, pull in undirected.subgraph(core).edges(data="pull")
    )
    for a, b, pull in core_edges_pulls:
        core_graph.add_edge(a, b, pull=pull)
    core_placed = nx.spring_layout(core_graph, seed=seed, iterations=_ITERATIONS, weight="pull")

    index = {node: i for i, node in enumerate(order)}
    adjacency = nx.to_scipy_sparse_array(undirected, nodelist=order, weight=None, format="csr")
    positions = np.zeros((len(order), 2))
    known = np.zeros(len(order), dtype=bool)
    for node, point in core_placed.items():
        positions[index[node]] = point
        known[index[node]] = True
    core_points = positions[known]
    lows, highs = core_points.min(axis=0), core_points.max(axis=0)
    core_edges = np.array([(index[a], index[b]) for a, b in core_graph.edges()], dtype=int).reshape(-1, 2)
    lengths = np.linalg.norm(positions[core_edges[:, 0]] - positions[core_edges[:, 1]], axis=1)
    step = 0.5 * float(np.median(lengths)) if len(lengths) else 0.05
    step = step or 0.05
    rng = np.random.default_rng(seed)
    degree = np.asarray(adjacency.sum(axis=1)).ravel()

    while not known.all():
        counts = adjacency @ known.astype(float)
        frontier = ~known & (counts > 0)
        if not frontier.any():
            # Small groups the core doesn't reach: seed each group's best-connected member somewhere in
            # the picture, then grow the group around it.
            unknown = np.flatnonzero(~known)
            sub = adjacency[unknown][:, unknown]
            _, labels = connected_components(sub, directed=False)
            for label in np.unique(labels):
                members = unknown[labels == label]
                seed_node = members[np.lexsort((members, -degree[members]))[0]]
                positions[seed_node] = lows + rng.random(2) * (highs - lows)
                known[seed_node] = True
            continue
        sums = adjacency @ (positions * known[:, None])
        angles = rng.random(int(frontier.sum())) * 2 * math.pi
        jitter = step * np.column_stack((np.cos(angles), np.sin(angles)))
        positions[frontier] = sums[frontier] / counts[frontier, None] + jitter
        known |= frontier
    return order, positions


def _ring(nodes: list[int]) -> dict[int, tuple[float, float]]:
    """Isolated people evenly round the edge, starting at the top; neighbours alternate between rings."""
    rings = max(1, min(len(_RING_RADII), math.ceil(len(nodes) / _RING_CAPACITY)))
    placed: dict[int, tuple[float, float]] = {}
    for i, node in enumerate(nodes):
        angle = -math.pi / 2 + 2 * math.pi * i / len(nodes)
        radius = _RING_RADII[i % rings]
        placed[node] = (0.5 + radius * math.cos(angle), 0.5 + radius * math.sin(angle))
    return placed


def layout(graph: nx.DiGraph, *, seed: int = 7) -> dict[int, tuple[float, float]]:
    """Positions in [0, 1]²: connected people by a seeded spring layout inside a disc of radius 0.40
    round the centre; people with no connection evenly on an outer band (radius 0.415–0.475) so they
    stay visible. The same graph and seed always give the same positions. This is the expensive step:
    cache its result."""
    import numpy as np

    isolated = sorted(node for node in graph if graph.degree(node) == 0)
    undirected = _undirected(graph)
    positions: dict[int, tuple[float, float]] = {}
    if len(undirected) == 1:  # cannot happen (an edge has two ends), kept for safety
        positions[next(iter(undirected))] = (0.5, 0.5)
    elif len(undirected) > 1:
        order, points = _spring(undirected, seed)
        centre = (points.min(axis=0) + points.max(axis=0)) / 2
        points = points - centre
        reach = float(np.linalg.norm(points, axis=1).max()) or 1.0
        points = 0.5 + points * (_INNER_RADIUS / reach)
        for node, (x, y) in zip(order, points, strict=True):
            positions[node] = (round(float(x), 6), round(float(y), 6))
    positions.update(_ring(isolated))
    return positions


# --------------------------------------------------------------------------------------------- render

_SIZE = 800
_PAD = 48
# Colours follow insights.charts: its palette blue for people, its purple for people without a public
# name, its ink for labels. Each has at least 3:1 contrast on white (the edge grey 3.4:1).
EDGE_COLOUR = "#8a8a8a"
NODE_COLOUR = "#0072b2"
PRIVATE_COLOUR = "#9b4f96"
LABEL_COLOUR = "#1d2433"
OUTLINE_COLOUR = "#ffffff"  # separates touching circles and haloes labels; carries no meaning
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
_ID_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")

COLUMNS = ["Participant", "Activity", "Connections", "Incoming (people)", "Outgoing (people)"]


def _connections(graph: nx.DiGraph, node: int) -> int:
    """How many other people this person is tied to, in either direction."""
    return len(set(graph.predecessors(node)) | set(graph.successors(node)))


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def _ranked(graph: nx.DiGraph) -> list[tuple[int, int]]:
    """(node, connections), most connected first; ties by activity, then label."""
    connections = {node: _connections(graph, node) for node in graph}
    order = sorted(
        graph, key=lambda node: (-connections[node], -graph.nodes[node]["activity"], graph.nodes[node]["label"], node)
    )
    return [(node, connections[node]) for node in order]


def _summary(graph: nx.DiGraph, ranked: list[tuple[int, int]]) -> str:
    isolated = sum(1 for _, count in ranked if count == 0)
    people = _plural(len(graph), "participant", "participants")
    parts = [f"{people}, {_plural(graph.number_of_edges(), 'connection', 'connections')}"]
    if isolated:
        verb = "has" if isolated == 1 else "have"
        parts.append(f"{_plural(isolated, 'person', 'people')} {verb} no connection yet")
    top = [(node, count) for node, count in ranked[:3] if count > 0]
    if top:
        names = ", ".join(f"{graph.nodes[node]['label']} ({count})" for node, count in top)
        parts.append(f"most connected: {names}")
    return "; ".join(parts)


def _short(label: str, limit: int = 24) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _fmt(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def render_svg(
    graph: nx.DiGraph,
    positions: dict[int, tuple[float, float]],
    *,
    id: str,
    caption: str,
    label_top: int = 15,
) -> NetworkMap:
    """Draw the map as a CSP-safe SVG (presentation attributes only, no style, no script) plus its text
    alternative and a table of people. Node area follows activity; line width follows the weight.
    ``id`` (letters, digits, '-', '_') prefixes the element ids, as for the charts."""
    if not _ID_RE.match(id):
        raise ValueError(f"map id must be letters, digits, '-' or '_', starting with a letter: {id!r}")
    ranked = _ranked(graph)
    summary = _summary(graph, ranked)
    scale = _SIZE - 2 * _PAD

    def point(node: int) -> tuple[float, float]:
        x, y = positions[node]
        return _PAD + x * scale, _PAD + y * scale

    max_activity = max((graph.nodes[node]["activity"] for node in graph), default=0)
    r_min, r_max = (3.0, 14.0) if len(graph) <= 300 else (2.0, 8.0)

    def radius(node: int) -> float:
        if max_activity == 0:
            return r_min
        return round(r_min + (r_max - r_min) * math.sqrt(graph.nodes[node]["activity"] / max_activity), 2)

    radii = {node: radius(node) for node in graph}
    max_weight = max((weight for _, _, weight in graph.edges(data="weight")), default=1)

    title_id, desc_id, arrow_id = f"{id}-title", f"{id}-desc", f"{id}-arrow"
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{id}" class="chart-svg chart-network" '
        f'viewBox="0 0 {_SIZE} {_SIZE}" width="100%" role="img" aria-labelledby="{title_id} {desc_id}">',
        f'<title id="{title_id}">{escape(caption)}</title>',
        f'<desc id="{desc_id}">{escape(summary)}</desc>',
        f'<defs><marker id="{arrow_id}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        f'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0L10,5L0,10z" fill="{EDGE_COLOUR}"/></marker></defs>',
        f'<g class="network-map-edges" stroke="{EDGE_COLOUR}" stroke-linecap="round" marker-end="url(#{arrow_id})">',
    ]
    for source, target, data in graph.edges(data=True):
        (x1, y1), (x2, y2) = point(source), point(target)
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1.0
        ux, uy = dx / length, dy / length
        if graph.has_edge(target, source):  # a returned tie: draw the two directions side by side
            x1, y1, x2, y2 = x1 - uy * 2, y1 + ux * 2, x2 - uy * 2, y2 + ux * 2
        start, end = min(radii[source], length / 3), min(radii[target] + 1, length / 3)
        width = 0.75 + 4.25 * math.sqrt(data["weight"] / max_weight)
        out.append(
            f'<line x1="{x1 + ux * start:.1f}" y1="{y1 + uy * start:.1f}" '
            f'x2="{x2 - ux * end:.1f}" y2="{y2 - uy * end:.1f}" stroke-width="{width:.2f}"/>'
        )
    out.append("</g>")

    out.append(f'<g class="network-map-nodes" stroke="{OUTLINE_COLOUR}" stroke-width="1">')
    connections = dict(ranked)
    for node in sorted(graph, key=lambda node: (-radii[node], node)):  # small people drawn last, on top
        attrs = graph.nodes[node]
        x, y = point(node)
        fill = PRIVATE_COLOUR if attrs["private"] else NODE_COLOUR
        tip = (
            f"{attrs['label']}: {_plural(attrs['activity'], 'action', 'actions')}, "
            f"{_plural(connections[node], 'connection', 'connections')}"
        )
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{_fmt(radii[node])}" fill="{fill}">'
            f"<title>{escape(tip)}</title></circle>"
        )
    out.append("</g>")

    labelled = [node for node, count in ranked if count > 0 and not graph.nodes[node]["private"]][:label_top]
    out.append(
        f'<g class="network-map-labels" font-size="13" font-family="{FONT}" fill="{LABEL_COLOUR}" '
        f'stroke="{OUTLINE_COLOUR}" stroke-width="3" paint-order="stroke" stroke-linejoin="round">'
    )
    for node in labelled:
        x, y = point(node)
        anchor = "start" if x < _SIZE / 2 else "end"
        offset = radii[node] + 3 if anchor == "start" else -(radii[node] + 3)
        out.append(
            f'<text x="{x + offset:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}">'
            f"{escape(_short(graph.nodes[node]['label']))}</text>"
        )
    out.append("</g></svg>")

    rows = [
        [
            graph.nodes[node]["label"],
            f"{graph.nodes[node]['activity']:,}",
            f"{count:,}",
            f"{graph.in_degree(node):,}",
            f"{graph.out_degree(node):,}",
        ]
        for node, count in ranked
    ]
    svg = mark_safe("".join(out))  # every label and the caption went through escape(); the id is checked
    return NetworkMap(svg=svg, summary=summary, columns=list(COLUMNS), rows=rows, caption=caption)


# ------------------------------------------------------------------------------------------- measures

_BETWEENNESS_SAMPLE = 200


def _top(graph: nx.DiGraph, scores: dict[int, float], fmt: str, limit: int = 5) -> str:
    order = sorted(
        (node for node in scores if scores[node] > 0),
        key=lambda node: (-scores[node], graph.nodes[node]["label"], node),
    )[:limit]
    if not order:
        return "none yet"
    return ", ".join(f"{graph.nodes[node]['label']} ({fmt.format(scores[node])})" for node in order)


def measures(graph: nx.DiGraph, *, seed: int = 7) -> list[tuple[str, str, str]]:
    """The classic measures of connected-course research, each with what it means in plain words."""
    import networkx as nx

    n, m = len(graph), graph.number_of_edges()
    components = list(nx.weakly_connected_components(graph)) if n else []
    largest = max((len(c) for c in components), default=0)
    isolated = sum(1 for node in graph if graph.degree(node) == 0)
    total = sum(weight for _, _, weight in graph.edges(data="weight"))
    reciprocity = f"{nx.reciprocity(graph):.2f}" if m else "n/a"
    connections: dict[int, float] = {node: _connections(graph, node) for node in graph}
    if n > _BETWEENNESS_SAMPLE:
        betweenness = nx.betweenness_centrality(graph, k=min(n, _BETWEENNESS_SAMPLE), seed=seed)
        estimated = f" Estimated from {_BETWEENNESS_SAMPLE} sampled people."
    else:
        betweenness = nx.betweenness_centrality(graph) if n else {}
        estimated = ""
    return [
        ("Participants", f"{n:,}", "People in the map, including those with no connection yet."),
        (
            "Connections",
            f"{m:,}",
            "One-way ties: someone replied to or shared another person's work at least once.",
        ),
        ("Replies and shares", f"{total:,}", "All the replies and shares behind those connections."),
        (
            "Density",
            f"{nx.density(graph):.3f}" if n > 1 else "n/a",
            "The share of all possible one-way ties that exist (1 would be everyone with everyone). "
            "Low values are normal in big courses.",
        ),
        (
            "Components",
            f"{len(components):,} (largest: {_plural(largest, 'person', 'people')})",
            "Groups joined by any path of replies or shares, ignoring direction; "
            "each unconnected person counts as a group of one.",
        ),
        ("Isolated participants", f"{isolated:,}", "People with no replies or shares to or from anyone yet."),
        (
            "Reciprocity",
            reciprocity,
            "The share of ties that are returned: of all the times A engaged with B, how often B also engaged with A.",
        ),
        (
            "Average degree",
            f"{2 * m / n:.2f}" if n else "n/a",
            "Ties per person on average, incoming and outgoing together.",
        ),
        (
            "Most connected (degree)",
            _top(graph, connections, "{:.0f}"),
            "People tied to the most others, in either direction: often the hubs of the conversation.",
        ),
        (
            "Bridges (betweenness)",
            _top(graph, betweenness, "{:.3f}"),
            "People who sit on the shortest paths between others: they link groups that would otherwise "
            "not meet." + estimated,
        ),
    ]


# -------------------------------------------------------------------------------------------- exports


def _export_ids(graph: nx.DiGraph) -> dict[int, str]:
    """Per-map ids for the exports, so no database id (not even a private person's) leaves the app."""
    return {node: f"p{i}" for i, node in enumerate(sorted(graph), start=1)}


def graphml(graph: nx.DiGraph) -> bytes:
    """GraphML for Gephi and friends: node label and activity; edge replies, shares and weight."""
    import networkx as nx

    ids = _export_ids(graph)
    export = nx.DiGraph()
    for node in sorted(graph):
        attrs = graph.nodes[node]
        export.add_node(ids[node], label=attrs["label"], activity=int(attrs["activity"]))
    for source, target, data in graph.edges(data=True):
        export.add_edge(
            ids[source],
            ids[target],
            replies=int(data["replies"]),
            shares=int(data["shares"]),
            weight=int(data["weight"]),
        )
    return "\n".join(nx.generate_graphml(export, encoding="utf-8")).encode("utf-8")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """Spreadsheet formula injection guard: a cell that could start a formula gets a leading apostrophe."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_files(graph: nx.DiGraph) -> tuple[str, str]:
    """(nodes CSV, edges CSV) with the column names Gephi's spreadsheet import expects."""
    ids = _export_ids(graph)
    nodes_out, edges_out = io.StringIO(), io.StringIO()
    nodes_csv, edges_csv = csv.writer(nodes_out), csv.writer(edges_out)
    nodes_csv.writerow(["Id", "Label", "Activity"])
    for node in sorted(graph):
        attrs = graph.nodes[node]
        nodes_csv.writerow([ids[node], _cell(attrs["label"]), attrs["activity"]])
    edges_csv.writerow(["Source", "Target", "Type", "Weight", "Replies", "Shares"])
    for source, target, data in graph.edges(data=True):
        edges_csv.writerow([ids[source], ids[target], "Directed", data["weight"], data["replies"], data["shares"]])
    return nodes_out.getvalue(), edges_out.getvalue()
