"""For tests of a data migration: the database taken back to an app's earlier migration, with the models of then."""

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate_back_to(app: str, name: str) -> Apps:
    """Unapply `app`'s migrations after `name`, and every other app's that need them (an app whose first migration
    needs them is left unapplied), so the old project state really is the old one; returns its models."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    target = (app, name)
    later = {n for n in graph.nodes if n[0] == app and n > target}
    before: list[tuple[str, str | None]] = []
    for other in sorted({n[0] for n in graph.nodes} - {app}):
        fits = [n for n in sorted(n for n in graph.nodes if n[0] == other) if not later & set(graph.forwards_plan(n))]
        before.append(fits[-1] if fits else (other, None))
    before.append(target)
    executor.migrate(before)
    return executor.loader.project_state([(a, n) for a, n in before if n is not None]).apps


def migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
