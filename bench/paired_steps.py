"""Paired steps (issue 6): two ways of one step of a page, alternated request by request in one process.

On a VM whose speed moves between states within minutes (the same page's median going from 15 to 26 ms between two
processes), even interleaved processes (`ab_pages.py`) cannot resolve a change of a tenth. This one times the old and
the new way of one step in the same process, one after the other and in turns (ABBA), many times, on a seeded SQLite
file, and reports each side's median and the median of the paired differences. Both ways must give the same
answer, or it stops.

The step (round 7 of bench/README.md, "Pages"): the course stream's 21 cards, read as the ORM's
`select_related(... "prompt__week__course" ...)` with `prefetch_related("tags")`, against `posts.selectors.cards`
(tags in one values query, the prompt's course the artifact's own), each building its query as the page does.

    .venv/bin/python bench/paired_steps.py --sqlite /work/benchdb/pages-1m-seed1.sqlite3
Writes bench/results/pages-paired.json (--no-write to skip). Reads only: nothing is written to the file.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import RESULTS_DIR, ROOT, machine_info
from pages_bench import _database_settings


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _head() -> str:
    done = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=ROOT, check=False)  # noqa: S607
    return done.stdout.strip()


def _paired(old: Callable[[], Any], new: Callable[[], Any], pairs: int) -> dict[str, float | int]:
    if old() != new():
        raise SystemExit("the two ways gave different answers")
    a: list[float] = []
    b: list[float] = []
    for turn in range(pairs):
        order = ((old, a), (new, b)) if turn % 2 else ((new, b), (old, a))
        for step, into in order:
            start = time.perf_counter()
            step()
            into.append((time.perf_counter() - start) * 1000)
    before, after = statistics.median(a), statistics.median(b)
    return {
        "pairs": pairs,
        "old_median_ms": round(before, 3),
        "new_median_ms": round(after, 3),
        "change": round(after / before - 1, 3),
        "paired_difference_median_ms": round(statistics.median(y - x for x, y in zip(a, b, strict=True)), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", required=True, help="a SQLite file seeded by `commonplace seed-scale`")
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--output", default=str(RESULTS_DIR / "pages-paired.json"))
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    args.database, args.var_dir = f"sqlite:///{args.sqlite}", tempfile.mkdtemp(prefix="paired-steps-")
    _database_settings(args)
    import django

    django.setup()

    from accounts.models import Block, Mute, User
    from core.scope import request_scope
    from courses.models import Course, Enrollment
    from posts.models import Artifact
    from posts.selectors import card_query, cards, shown_comment_count

    apart = set(Block.objects.values_list("blocker_id", flat=True)) | set(
        Block.objects.values_list("blocked_id", flat=True)
    )
    apart |= set(Mute.objects.values_list("muter_id", flat=True)) | set(Mute.objects.values_list("muted_id", flat=True))
    participants = Enrollment.objects.filter(course__slug="bench-big", role="participant").order_by("user_id")
    reader = User.objects.get(pk=next(pk for pk in participants.values_list("user_id", flat=True) if pk not in apart))
    course = Course.objects.get(slug="bench-big")

    def shown(artifacts: list[Artifact]) -> list[tuple[Any, ...]]:
        """What a card shows of the loaded relations (tags in any order: the ORM's prefetch gives no order)."""
        return [
            (
                a.pk,
                a.author.name,
                a.course.slug,
                sorted(t.name for t in a.tags.all()),
                (a.prompt.number, a.prompt.week.number, a.prompt.week.course.slug) if a.prompt else None,
            )
            for a in artifacts
        ]

    results: dict[str, Any] = {}
    with request_scope():
        stream = Artifact.objects.visible_to(reader).unmuted_for(reader).published().filter(course=course)
        stream = stream.order_by("-published_at", "-id")
        related = ("author", "course", "prompt__week__course", "book")

        def orm() -> list[Artifact]:  # each way builds its query afresh, as a page does
            loaded = stream.select_related(*related).prefetch_related("tags")
            return list(loaded.annotate(comment_count=shown_comment_count())[:21])

        results["cards"] = _paired(lambda: shown(orm()), lambda: shown(cards(card_query(stream)[:21])), args.pairs)
        say(f"cards (21, the stream's first page): {results['cards']}")
    if not args.no_write:
        Path(args.output).write_text(
            json.dumps(
                {"benchmark": "paired_steps", "machine": machine_info(["django"]), "code": _head(), "steps": results},
                indent=2,
            )
            + "\n"
        )
        say(f"wrote {args.output}")


if __name__ == "__main__":
    main()
