"""A web worker does not load the network map's numeric libraries until a map is drawn: networkx, numpy and scipy
were ~50 MB of every worker's memory (issue 6: a worker under 250 MB after the load run)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("networkx", "numpy", "scipy")

# What a granian worker does on start (the WSGI application, then every view module through the URLconf), then
# prints which of HEAVY are loaded; `then` runs after that and may print more lines.
START = """
import sys
from config.wsgi import application
from django.urls import get_resolver
get_resolver().url_patterns
def loaded():
    print(",".join(sorted(name for name in {heavy!r} if name in sys.modules)))
loaded()
{then}
"""


def _loaded(then: str = "") -> list[set[str]]:
    """Each line the worker printed, as the set of HEAVY loaded at that point."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": "sqlite:///:memory:"}
    env["REDIS_URL"] = ""
    code = START.format(heavy=HEAVY, then=then)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return [set(filter(None, line.split(","))) for line in done.stdout.splitlines()]


def test_a_started_worker_has_not_loaded_networkx_numpy_or_scipy() -> None:
    assert _loaded() == [set()]


def test_drawing_a_map_loads_them_when_it_needs_them() -> None:
    draw = """
from insights.network_map import Edge, Node, build_graph, layout, measures
graph = build_graph([Node(1, "Ana", 3), Node(2, None, 1)], [Edge(1, 2, replies=2, shares=1)])
assert set(layout(graph)) == {1, 2} and measures(graph)
loaded()
"""
    assert _loaded(draw) == [set(), set(HEAVY)]
