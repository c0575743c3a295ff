"""Time the network map on a seeded 5,000-person / 20,000-tie random course: build, layout, render,
measures and exports. Prints seconds; not a test, never asserted on.

    .venv/bin/python bench/network_map_bench.py [people] [ties]
"""

from __future__ import annotations

import os
import random
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from insights.network_map import Edge, Node, build_graph, csv_files, graphml, layout, measures, render_svg  # noqa: E402


def course(people: int, ties: int, seed: int = 1) -> tuple[list[Node], list[Edge]]:
    rng = random.Random(seed)
    nodes = [
        Node(id=i, label=None if i % 10 == 0 else f"Person {i}", activity=rng.randint(0, 60))
        for i in range(1, people + 1)
    ]
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < ties:  # distinct one-way ties, no self-loops: the graph has exactly `ties` edges
        source, target = rng.randint(1, people), rng.randint(1, people)
        if source != target:
            pairs.add((source, target))
    edges = [
        Edge(source=source, target=target, replies=rng.randint(1, 4), shares=rng.randint(0, 2))
        for source, target in sorted(pairs)
    ]
    return nodes, edges


def main() -> None:
    people = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    ties = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    nodes, edges = course(people, ties)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    graph = build_graph(nodes, edges)
    timings["build"] = time.perf_counter() - start
    start = time.perf_counter()
    positions = layout(graph)
    timings["layout"] = time.perf_counter() - start
    start = time.perf_counter()
    chart = render_svg(graph, positions, id="bench-map", caption="Bench course network")
    timings["render"] = time.perf_counter() - start
    start = time.perf_counter()
    measures(graph)
    timings["measures"] = time.perf_counter() - start
    start = time.perf_counter()
    graphml(graph)
    csv_files(graph)
    timings["exports"] = time.perf_counter() - start
    print(f"graph: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges; svg {len(chart.svg) / 1e6:.1f} MB")  # noqa: T201
    for step, seconds in timings.items():
        print(f"{step:>9}: {seconds:6.2f} s")  # noqa: T201
    print(f"layout + render: {timings['layout'] + timings['render']:.2f} s")  # noqa: T201


if __name__ == "__main__":
    main()
