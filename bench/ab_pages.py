"""Pages A/B (issue 6): the same pages, the code of another revision against this checkout, interleaved.

On a VM whose speed drifts (here the same page measured 25 to 40 ms from one hour to the next), two benchmark runs
one after the other compare the machine as much as the code. This one alternates: for each page, a fresh process
of the code at --before (a detached git worktree sharing this checkout's .venv) then one of this checkout, each
timing --requests requests after 10 warm-up ones, --alternations times; the result of each side is the median of
its alternations' medians. Both read the same seeded SQLite file (e.g. one kept by
`pages_bench.py --sqlite-dir DIR`); nothing is written to it but sessions, and the opens the artifact page records.

The subjects, chosen as pages_bench chooses them, without topping anything up: the reader (the lowest-id participant
of `bench-big` in no mute or block), the person whose following count is closest to 2,000, and the most commented
public artifact.

    .venv/bin/python bench/ab_pages.py --before 1ade16e --sqlite /tmp/pages-run/pages-1m-seed1.sqlite3

Writes bench/results/pages-ab.json (--no-write to skip). The worktree is removed at the end.
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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS_DIR, ROOT, machine_info
from pages_bench import _database_settings


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


PAGES = {
    "stream": "course stream (5,000), page 1",
    "course": "course page (5,000): this week, latest",
    "person": "person page, most prolific author",
    "tag": "tag page, most used tag",
    "artifact_200": "artifact page, most comments",
    "timeline_200": "home timeline, following ~200",
    "timeline_2000": "home timeline, following ~2,000",
}


def worker(args: argparse.Namespace) -> None:
    """In the code at --root: time one page, print its timings (ms) as JSON."""
    sys.path.insert(0, args.root)
    os.chdir(args.root)
    args.database, args.var_dir = f"sqlite:///{args.sqlite}", tempfile.mkdtemp(prefix="ab-pages-")
    _database_settings(args)  # as pages_bench's workers run: DEBUG off, no Redis, tasks queued, warnings only
    import django

    django.setup()
    from django.db.models import Count
    from django.test import Client

    from accounts.models import Block, Mute, User
    from courses.models import Enrollment
    from network.models import Follow
    from posts.models import Artifact, Tag

    here = Path(sys.modules["posts.models"].__file__ or "").resolve()
    assert here.is_relative_to(Path(args.root).resolve()), f"the code under test came from {here}, not {args.root}"

    apart = (
        set(Block.objects.values_list("blocker_id", flat=True))
        | set(Block.objects.values_list("blocked_id", flat=True))
        | set(Mute.objects.values_list("muter_id", flat=True))
        | set(Mute.objects.values_list("muted_id", flat=True))
    )
    participants = Enrollment.objects.filter(course__slug="bench-big", role="participant").order_by("user_id")
    reader = next(pk for pk in participants.values_list("user_id", flat=True) if pk not in apart)
    if args.page == "stream":
        who, url = reader, "/courses/bench-big/stream/"
    elif args.page == "course":
        who, url = reader, "/courses/bench-big/"
    elif args.page == "artifact_200":
        top = Artifact.objects.filter(visibility="public").annotate(n=Count("comments")).order_by("-n", "pk").first()
        assert top is not None, "no public artifact"
        who, url = reader, f"/a/{top.pk}/"
    elif args.page == "person":  # as pages_bench chooses: the most prolific author outside mutes and blocks
        author = (
            Artifact.objects.published()
            .exclude(author_id__in=apart | {reader})
            .values("author_id")
            .annotate(n=Count("id"))
            .order_by("-n", "author_id")
            .first()
        )
        assert author is not None, "no author"
        who, url = reader, f"/people/{User.objects.get(pk=author['author_id']).username}/"
    elif args.page == "tag":
        tag = Tag.objects.annotate(n=Count("artifacts")).order_by("-n", "pk").first()
        assert tag is not None, "no tag"
        who, url = reader, f"/tags/{tag.name}/"
    else:
        target = 200 if args.page == "timeline_200" else 2000
        counts = Follow.objects.values("follower_id").annotate(n=Count("id"))
        who, url = min(counts, key=lambda row: (abs(row["n"] - target), row["follower_id"]))["follower_id"], "/home/"
    client = Client()
    client.force_login(User.objects.get(pk=who))
    for _ in range(10):
        status = client.get(url).status_code
        assert status == 200, f"{url} answered {status}"
    timings = []
    for _ in range(args.requests):
        start = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    say(json.dumps({"url": url, "ms": timings}))


def _run(root: Path, args: argparse.Namespace, page: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", "--root", str(root), "--sqlite", args.sqlite, "--page", page]
    command += ["--requests", str(args.requests)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=root)  # noqa: S603 - our own
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", help="the revision to compare this checkout with (a commit, tag or branch)")
    parser.add_argument("--sqlite", required=True, help="a SQLite file seeded by `commonplace seed-scale`")
    parser.add_argument("--pages", default=",".join(PAGES), help=f"comma-separated, of {', '.join(PAGES)}")
    parser.add_argument("--alternations", type=int, default=5)
    parser.add_argument("--requests", type=int, default=60, help="timed requests per process")
    parser.add_argument("--output", default=str(RESULTS_DIR / "pages-ab.json"))
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--page", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.sqlite = str(Path(args.sqlite).resolve())
    if args.worker:
        worker(args)
        return
    if not args.before:
        parser.error("--before is required")
    pages = [page.strip() for page in args.pages.split(",") if page.strip()]
    unknown = [page for page in pages if page not in PAGES]
    if unknown:
        parser.error(f"unknown pages: {', '.join(unknown)} (known: {', '.join(PAGES)})")
    git = ["git", "-C", str(ROOT)]
    before = subprocess.run([*git, "rev-parse", args.before], capture_output=True, text=True, check=True)  # noqa: S603
    after = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True)  # noqa: S603
    tree = Path(tempfile.mkdtemp(prefix="ab-before-")) / "tree"
    subprocess.run([*git, "worktree", "add", "--detach", str(tree), before.stdout.strip()], check=True)  # noqa: S603
    (tree / ".venv").symlink_to(ROOT / ".venv")
    results: dict[str, Any] = {}
    try:
        for page in pages:
            sides: dict[str, list[float]] = {"before": [], "after": []}
            for turn in range(args.alternations):
                for side, root in (("before", tree), ("after", ROOT)):
                    found = _run(root, args, page)
                    sides[side].append(statistics.median(found["ms"]))
                    say(f"  {PAGES[page]}, {side}, turn {turn + 1}: median {sides[side][-1]:.1f} ms")
            b, a = statistics.median(sides["before"]), statistics.median(sides["after"])
            results[page] = {
                "page": PAGES[page],
                "url": found["url"],
                "before_medians_ms": [round(x, 2) for x in sides["before"]],
                "after_medians_ms": [round(x, 2) for x in sides["after"]],
                "before_ms": round(b, 2),
                "after_ms": round(a, 2),
                "change": round(a / b - 1, 3),
            }
    finally:
        subprocess.run([*git, "worktree", "remove", "--force", str(tree)], check=False)  # noqa: S603
    say("\n| page | before | after | change |\n|---|---:|---:|---:|")
    for row in results.values():
        say(f"| {row['page']} | {row['before_ms']:.1f} | {row['after_ms']:.1f} | {row['change'] * 100:+.0f}% |")
    out = {
        "benchmark": "pages A/B, interleaved (bench/ab_pages.py)",
        "issue": 6,
        "machine": machine_info(["django"]),
        "code": {"before": before.stdout.strip(), "after": after.stdout.strip()},
        "args": {"sqlite": args.sqlite, "alternations": args.alternations, "requests": args.requests},
        "pages": results,
    }
    if not args.no_write:
        Path(args.output).write_text(json.dumps(out, indent=2) + "\n")
        say(f"wrote {args.output}")


if __name__ == "__main__":
    main()
