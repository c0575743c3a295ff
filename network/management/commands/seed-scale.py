"""`commonplace seed-scale`: fill an empty database with a large, seeded synthetic network (network.scale)."""

import time
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from network import scale


class Command(BaseCommand):
    help = (
        "Fill an empty database (after `commonplace migrate`) with a realistic synthetic network for load tests "
        "and benchmarks: people p1…pN, courses of 100 to 5,000 participants (the first, 'bench-big', facilitated "
        "by p1 and p2), artifacts with tags and prompt answers, comments in all four tones with @mentions, "
        "shares, opens, follows, mutes and blocks. Bulk inserts in one transaction; the same --seed gives the "
        "same network. It refuses a database that already holds any of these rows, because every table's ids "
        "start at 1. --force skips that check, for when you know the ids are free: a clash then stops the load "
        "and nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, required=True, help="how many people (at least 3)")
        parser.add_argument("--artifacts", type=int, required=True, help="how many artifacts")
        parser.add_argument("--courses", type=int, default=50, help="how many courses (default 50)")
        parser.add_argument("--seed", type=int, default=1, help="the random seed (default 1)")
        parser.add_argument(
            "--password",
            help="give every generated person this password, so load tests can sign in (default: none can)",
        )
        parser.add_argument(
            "--search-index", action="store_true", help="rebuild the search indexes afterwards (`search reindex`)"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="load even though the database has rows already (a clash of ids then stops it; nothing written)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        users, artifacts, courses = options["users"], options["artifacts"], options["courses"]
        if users < 3 or artifacts < 0 or courses < 1:
            raise CommandError("Give --users 3 or more, --courses 1 or more and --artifacts 0 or more.")
        if not options["force"] and (occupied := scale.occupied_tables()):
            listed = ", ".join(f"{table} ({count:,} rows)" for table, count in list(occupied.items())[:3])
            if len(occupied) > 3:
                listed += f" and {len(occupied) - 3} more tables"
            raise CommandError(
                f"This database already has data: {listed}. seed-scale is for an empty database (run "
                "`commonplace migrate` on a new one). Use --force only if you know ids 1 and up are free."
            )
        # One hash for everyone: hashing 100,000 passwords would take longer than the load.
        password_hash = make_password(options["password"]) if options["password"] else "!"
        self.stdout.write(
            f"Generating {users:,} people, {artifacts:,} artifacts and {courses} courses (seed {options['seed']})…"
        )
        started = time.perf_counter()
        try:
            with scale.bulk_load_mode() as notes:
                for note in notes:
                    self.stdout.write(f"  note: {note}")
                result = scale.generate(
                    users=users,
                    artifacts=artifacts,
                    courses=courses,
                    seed=options["seed"],
                    password_hash=password_hash,
                    say=self.say,
                )
        except IntegrityError as error:
            raise CommandError(f"The data clashed with rows already there, so nothing was written: {error}") from None
        self.say(f"  analyze: {scale.analyze():.1f} s")
        if options["search_index"]:
            self.say("Rebuilding the search indexes…")
            call_command("search", "reindex", stdout=self.stdout, stderr=self.stderr)
        elapsed = time.perf_counter() - started
        counts = result["counts"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {result['rows']:,} rows in {elapsed:.0f} s ({result['rows'] / elapsed:,.0f} rows/s): "
                f"{counts['users']:,} people, {counts['courses']} courses, {counts['artifacts']:,} artifacts, "
                f"{counts['comments']:,} comments, {counts['shares']:,} shares, {counts['opens']:,} opens, "
                f"{counts['follows']:,} follows; mutes {counts['mutes']}, blocks {counts['blocks']}."
            )
        )
        who = f"p1 … p{users}"
        if options["password"]:
            self.stdout.write(f"People {who} sign in with the password you gave; p1 facilitates '{scale.BIG_SLUG}'.")
        else:
            self.stdout.write(f"People {who} have no usable password (give --password to sign in as them).")

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
