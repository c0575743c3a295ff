"""Scale data: a seeded, realistic synthetic network written in bulk (`commonplace seed-scale`, the benchmarks).

`generate()` fills an empty database with people, courses (weeks, prompts, a book), enrollments, where members are
in their course's book, artifacts with tags and prompt answers, threaded comments in all four tones with @mentions
(and their `Mention` rows), shares, opens, follows, tag follows, mutes, blocks and the stored notifications, in one
transaction, with explicit ids. Rows go in as plain tuples (`Loader`: executemany on SQLite, COPY on PostgreSQL)
rather than through the services, but every value the services work out when they write is set the same way here:
`Share.own_work`, an `Open` before each share of someone else's work (read before you share), `Open.via_share`, the
prompt's tag on a prompt's answers, `body_html`, a removed comment's emptied text, the daily share limit, the
comment window, nothing across a block, a notification for each follow and share.

Everything comes from one `random.Random(seed)` (the reading progress from one of its own, seeded from `seed`)
and one `now`: the same seed and `now` give the same rows.
"""

import bisect
import contextlib
import datetime as dt
import heapq
import itertools
import math
import random
import time
from array import array
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from accounts.models import Block, Mute, Role, User
from courses.models import (
    Book,
    Course,
    Enrollment,
    MemberRole,
    Prompt,
    PromptKind,
    Reading,
    ReadingProgress,
    ReadingStatus,
    Week,
)
from network.models import Follow, Notification, NotificationsSeen, Open, Share, TagFollow
from posts.models import Artifact, Comment, Mention, Tag, Tone

DAYS = 120  # artifacts and comments fall in the last DAYS days
WEEKS = 6  # weeks per course
BIG_SLUG = "bench-big"  # course 1, facilitated by p1 and p2 (the insights benchmark looks for it)
EMAIL_DOMAIN = "scale.invalid"
COURSE_SIZES = (100, 5_000)  # participants per course, clamped to the number of people
COURSES_PER_PERSON = 1.5  # at most, on average: smaller networks get smaller courses (never under 100)
DAY = 86_400
WEEK = 7 * DAY
COMMENT_WINDOW_DAYS = 14  # Course.comment_window_days's default, which every generated course keeps
DAILY_SHARE_LIMIT = 25  # Course.daily_share_limit's default
FACILITATOR, PARTICIPANT = MemberRole.FACILITATOR.value, MemberRole.PARTICIPANT.value
EXCERPT_WORDS = 60  # as the harvester cuts excerpts

Say = Callable[[str], None]


def _quiet(_text: str) -> None:
    """The default progress printer: says nothing."""


class Loader:
    """Bulk loads of plain tuples with explicit ids: executemany on SQLite, COPY on PostgreSQL.

    Datetime columns are given as UTC epoch seconds and converted here (on SQLite to Django's stored text,
    'YYYY-MM-DD HH:MM:SS'). Columns not given get their field's fixed default; a column whose default is
    computed when written (the clock) or that has none must be given, so nothing depends on when the load runs.
    """

    def __init__(self, say: Say = _quiet) -> None:
        connection.ensure_connection()
        self.vendor = connection.vendor
        self.say = say
        self.rows = 0
        self.seconds = 0.0
        self.tables: dict[str, dict[str, float]] = {}

    @staticmethod
    def _default(model: type[models.Model], field: models.Field[Any, Any]) -> Any:
        where = f"{model._meta.label}.{field.attname}"
        if field.has_default():
            if callable(field.default):
                raise ValueError(f"{where}: its default is computed when written; give the column explicitly")
            value = field.get_default()
        elif field.null:
            value = None
        elif field.empty_strings_allowed:
            value = ""
        else:
            raise ValueError(f"{where} is NOT NULL and has no default; give the column explicitly")
        return field.get_db_prep_save(value, connection)

    def load(self, model: type[models.Model], columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
        """Insert the rows (tuples in the order of `columns`) into the model's table; returns how many."""
        started = time.perf_counter()
        fields = {f.attname: f for f in model._meta.concrete_fields}
        if unknown := set(columns) - set(fields):
            raise ValueError(f"{model._meta.label} has no columns {sorted(unknown)}")
        extra = [name for name in fields if name not in columns]
        defaults = tuple(self._default(model, fields[name]) for name in extra)
        stamps = [i for i, name in enumerate(columns) if isinstance(fields[name], models.DateTimeField)]
        names = ", ".join(f'"{fields[name].column}"' for name in columns + extra)
        table = model._meta.db_table
        with connection.wrap_database_errors:  # the driver's errors as Django's (IntegrityError …)
            if self.vendor == "sqlite":
                marks = ", ".join("?" * (len(columns) + len(extra)))
                count = self._executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows, stamps, defaults)  # noqa: S608
            else:
                count = self._copy(f'COPY "{table}" ({names}) FROM STDIN', rows, stamps, defaults)
        seconds = time.perf_counter() - started
        self.rows += count
        self.seconds += seconds
        self.tables[table] = {"rows": count, "seconds": round(seconds, 2)}
        rate = f"{count / seconds:,.0f} rows/s" if seconds > 0 else "-"
        self.say(f"  {table}: {count:,} rows in {seconds:.1f} s ({rate})")
        return count

    @staticmethod
    def _executemany(sql: str, rows: Iterable[tuple[Any, ...]], stamps: list[int], defaults: tuple[Any, ...]) -> int:
        fmt, gmt = time.strftime, time.gmtime
        raw = connection.connection
        assert raw is not None
        count = 0
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            if stamps:
                values = list(row)
                for i in stamps:
                    if values[i] is not None:
                        values[i] = fmt("%Y-%m-%d %H:%M:%S", gmt(values[i]))
                row = tuple(values)
            batch.append(row + defaults)
            if len(batch) >= 20_000:
                raw.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            raw.executemany(sql, batch)
            count += len(batch)
        return count

    @staticmethod
    def _copy(sql: str, rows: Iterable[tuple[Any, ...]], stamps: list[int], defaults: tuple[Any, ...]) -> int:
        fromts, utc = dt.datetime.fromtimestamp, dt.UTC
        raw = connection.connection
        assert raw is not None
        count = 0
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                if stamps:
                    values = list(row)
                    for i in stamps:
                        if values[i] is not None:
                            values[i] = fromts(values[i], utc)
                    row = tuple(values)
                copy.write_row(row + defaults)
                count += 1
        return count


class Weighted:
    """Draw items with given weights quickly (a cumulative table and bisect)."""

    def __init__(self, items: Sequence[int], weights: Sequence[float], rng: random.Random) -> None:
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]
        self.rng = rng

    def __call__(self) -> int:
        return self.items[bisect.bisect(self.cum, self.rng.random() * self.total)]


# --- Words -------------------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


WORDS = _words(
    "students learning classroom teaching reading writing questions ideas innovation feedback project math science "
    "growth mindset curiosity voice agency choice reflection portfolio inquiry community families assessment rubric "
    "collaboration design thinking empathy wellbeing leadership coaching literacy coding makerspace play wonder "
    "the of and to a in that is for it with as was on be this are by at we have from or an they which you one"
)
TOPICS = WORDS[:38]
OPENERS = {  # by tone: what a reply of that tone starts with, and how it ends
    Tone.SUPPORT: (["Thank you for sharing this, ", "I love how you put it: ", "Great point about "], "."),
    Tone.QUESTION: (["How did your students react to ", "Could you say more about ", "What would you do about "], "?"),
    Tone.CHALLENGE: (["I am not sure I agree about ", "I doubt this works for ", "This seems to overlook "], "."),
    Tone.NEUTRAL: (
        ["We tried something similar with ", "Noting this for our team meeting: ", "Last year we had "],
        ".",
    ),
}
TONES = [tone.value for tone in OPENERS]
TONE_WEIGHTS = [0.45, 0.25, 0.10, 0.20]
FIRST_NAMES = _words(
    "Maria Devon Aisha George Priya Tomas Lena Kwame Sofia Mateo Hana Omar Grace Diego Mei Jonas Amara Leo Ines Ravi "
    "Nadia Felix Chloe Tariq Eva Noah Zara Luca Maya Samir"
)
LAST_NAMES = _words(
    "Lopez Clarke Khan Couros Patel Novak Berg Mensah Rossi Garcia Sato Haddad Okafor Silva Chen Weber Diallo Costa "
    "Moreau Iyer Kowalski Nguyen Murphy Ahmed Larsen Cohen Fischer Duarte Tanaka Evans"
)
BOOKS = [
    ("The Innovator's Mindset", "George Couros"),
    ("Mindset", "Carol Dweck"),
    ("Make It Stick", "Peter Brown"),
    ("Visible Learning", "John Hattie"),
    ("Invent to Learn", "Sylvia Martinez"),
    ("The Reflective Practitioner", "Donald Schön"),
]
TIME_ZONES = ["UTC", "America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London", "Asia/Tokyo"]
SHARE_NOTES = [
    "Worth ten minutes of your week.",
    "This changed how I run my morning meeting.",
    "A careful answer to this week's prompt.",
    "Read the part about feedback twice.",
]


def _texts(rng: random.Random, count: int, low: int, high: int) -> list[str]:
    """`count` sentences of `low` to `high` words from WORDS."""
    return [" ".join(rng.choices(WORDS, k=rng.randint(low, high))).capitalize() + "." for _ in range(count)]


def _tag_names() -> list[str]:
    """A fixed vocabulary of 300 tags: the topic words, then pairs of them."""
    pairs = (f"{a}-{b}" for a, b in itertools.permutations(TOPICS, 2))
    return [*TOPICS, *itertools.islice(pairs, 300 - len(TOPICS))]


def _html(text: str) -> str:
    """What core.text.render_markdown makes of one plain paragraph (the generated texts have no Markdown)."""
    return f"<p>{text}</p>\n"


def _epoch(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC).timestamp())


def sizes(
    *,
    users: int,
    artifacts: int,
    comments: int | None = None,
    shares: int | None = None,
    opens: int | None = None,
    follows: int | None = None,
) -> dict[str, int]:
    """The target row counts, with the derived defaults: comments 2, shares 0.3 and opens 0.5 per artifact,
    follows 10 per person. Comments come out a little under their target (none on drafts, none after the
    comment window or `now`); the others reach it unless the network is too small to hold that many."""
    return {
        "users": users,
        "artifacts": artifacts,
        "comments": 2 * artifacts if comments is None else comments,
        "shares": round(0.3 * artifacts) if shares is None else shares,
        "opens": round(0.5 * artifacts) if opens is None else opens,
        "follows": 10 * users if follows is None else follows,
    }


# --- The generator -----------------------------------------------------------------------------------------


class _Network:
    """The state of one generation: per-person and per-artifact arrays indexed from 0 (user id = index + 1)."""

    def __init__(self, *, seed: int, now: int, users: int, courses: int, password_hash: str, loader: Loader) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.now = now
        self.n = users
        self.n_courses = courses
        self.password_hash = password_hash
        self.loader = loader
        self.first = now - DAYS * DAY
        self.counts: dict[str, int] = {}
        self.blocked: set[int] = set()  # i * n + j for both directions of each block
        self.mentions: list[tuple[int, int, int | None, int]] = []  # (user id, artifact id, comment id, when)

    def apart(self, i: int, j: int) -> bool:
        """True when a block stands between persons i and j (by index): they never interact."""
        return bool(self.blocked) and i * self.n + j in self.blocked

    # People, courses, enrollments, mutes and blocks.

    def people(self) -> None:
        rng, n, now = self.rng, self.n, self.now
        # Activity (posting, commenting, following) is heavy-tailed; a third are near-silent readers.
        self.activity = [0.05 if rng.random() < 0.33 else min(rng.paretovariate(1.3), 1000.0) for _ in range(n)]
        # Popularity: most people are followed by tens, a few stars (and the facilitators) by thousands.
        self.popularity = [rng.lognormvariate(0, 0.5) for _ in range(n)]
        for i in range(n):
            if rng.random() < 0.002:
                self.popularity[i] *= min(rng.paretovariate(1.2) * 30, 1000.0)
        self.date_joined = [now - rng.randint(400 * DAY, 1100 * DAY) for _ in range(n)]
        roles = Weighted(range(len(Role.values)), [60, 8, 8, 6, 8, 10], rng)
        bios = _texts(rng, 200, 8, 25)

        def rows() -> Iterator[tuple[Any, ...]]:
            for i in range(n):
                name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
                bio = rng.choice(bios) if rng.random() < 0.3 else ""
                yield (
                    i + 1,
                    f"p{i + 1}",
                    f"p{i + 1}@{EMAIL_DOMAIN}",
                    name,
                    self.password_hash,
                    self.date_joined[i],
                    True,
                    Role.values[roles()],
                    rng.choice(TIME_ZONES),
                    bio,
                )

        columns = ["id", "username", "email", "display_name", "password", "date_joined", "is_active", "role"]
        self.counts["users"] = self.loader.load(User, [*columns, "time_zone", "bio"], rows())

    def courses(self, today: dt.date, big_course_size: int) -> None:
        rng, n, c_count = self.rng, self.n, self.n_courses
        # Course 1 runs over the last six weeks (week 6 is this week); the others started over the last 120 days.
        self.big_start = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=WEEKS - 1)
        others = c_count - 1
        starts = [self.big_start] + [
            today - dt.timedelta(days=DAYS - 1 - (c * (DAYS - 8)) // max(1, others - 1)) for c in range(others)
        ]
        self.start_ts = [0] + [_epoch(s) for s in starts]  # by course id
        rows: list[tuple[Any, ...]] = []
        for c in range(1, c_count + 1):
            book = BOOKS[(c - 1) % len(BOOKS)][0]
            slug = BIG_SLUG if c == 1 else f"bench-{c}"
            rows.append(
                (
                    c,
                    f"{book} book study {c}",
                    slug,
                    f"#BENCH{c}",
                    str(starts[c - 1]),
                    _epoch(starts[c - 1]) - 30 * DAY,
                    f"Season {c}: we read {book} together, a chapter or two a week.",
                )
            )
        columns = ["id", "title", "slug", "hashtag", "start_date", "created_at", "description"]
        self.counts["courses"] = self.loader.load(Course, columns, rows)
        self.loader.load(
            Book,
            ["id", "course_id", "title", "author"],
            [(c, c, *BOOKS[(c - 1) % len(BOOKS)]) for c in range(1, c_count + 1)],
        )
        questions = _texts(rng, 40, 6, 12)
        weeks: list[tuple[Any, ...]] = []
        readings: list[tuple[Any, ...]] = []
        prompts: list[tuple[Any, ...]] = []
        self.prompts_of_week: dict[int, list[tuple[int, str]]] = {}  # week id -> [(prompt id, prompt tag)]
        for c in range(1, c_count + 1):
            for w in range(WEEKS):
                week_id = (c - 1) * WEEKS + w + 1
                begins = starts[c - 1] + dt.timedelta(weeks=w)
                question = rng.choice(questions)[:-1] + "?"
                weeks.append(
                    (week_id, c, w + 1, f"Week {w + 1}", question, str(begins), str(begins + dt.timedelta(days=6)))
                )
                readings.append((week_id, week_id, c, f"Chapters {2 * w + 1}–{2 * w + 2}"))
                self.prompts_of_week[week_id] = []
                for p in range(1, rng.randint(1, 2) + 1):
                    kind = PromptKind.values[0 if p == 1 else rng.randrange(3)]
                    prompts.append((len(prompts) + 1, week_id, p, kind, f"Prompt {p}: {question}"))
                    self.prompts_of_week[week_id].append((len(prompts), f"bench{c}-w{w + 1}-p{p}"))
        columns = ["id", "course_id", "number", "title", "theme_question", "starts_on", "ends_on"]
        self.counts["weeks"] = self.loader.load(Week, columns, weeks)
        self.loader.load(Reading, ["id", "week_id", "book_id", "chapters"], readings)
        self.counts["prompts"] = self.loader.load(Prompt, ["id", "week_id", "number", "kind", "text"], prompts)

        # Enrollments: people 1 and 2 facilitate course 1, one person each other course; participants are drawn
        # at random: course 1 gets big_course_size, the others between 100 and 5,000 (log-uniform), scaled down
        # towards 100 where people would otherwise be in more than COURSES_PER_PERSON courses on average.
        high = min(COURSE_SIZES[1], n - 2)
        low = min(COURSE_SIZES[0], high)
        wanted = [min(big_course_size, n - 2)]
        wanted += [round(math.exp(rng.uniform(math.log(low), math.log(high)))) for _ in range(c_count - 1)]
        room = COURSES_PER_PERSON * n - wanted[0]
        if sum(wanted[1:]) > room:
            share = max(0.0, room / sum(wanted[1:]))
            wanted[1:] = [max(low, round(size * share)) for size in wanted[1:]]
        roles: dict[tuple[int, int], str] = {(1, 0): FACILITATOR, (1, 1): FACILITATOR}
        for c in range(2, c_count + 1):
            roles[c, (c * 97) % (n - 2) + 2] = FACILITATOR
        for c, size in enumerate(wanted, start=1):
            pool = rng.sample(range(n), min(n, size + 2))
            chosen = [i for i in pool if (c, i) not in roles][:size]
            roles.update(((c, i), PARTICIPANT) for i in chosen)
        self.members: dict[int, list[int]] = {c: [] for c in range(1, c_count + 1)}
        self.joined: dict[int, dict[int, int]] = {c: {} for c in range(1, c_count + 1)}  # course -> person -> when
        self.courses_of: list[list[int]] = [[] for _ in range(n)]
        rows = []
        for row_id, ((c, i), role) in enumerate(sorted(roles.items()), start=1):
            start = self.start_ts[c]
            late = role == PARTICIPANT and rng.random() < 0.1
            when = min(start + rng.randint(0, 21 * DAY) if late else start - rng.randint(0, 14 * DAY), self.now)
            rows.append((row_id, c, i + 1, role, when))
            self.members[c].append(i)
            self.joined[c][i] = when
            self.courses_of[i].append(c)
            if role == FACILITATOR:  # facilitators are followed by many
                self.popularity[i] = max(self.popularity[i], min(100 + 5 * rng.paretovariate(1.0), 2000.0))
        self.counts["enrollments"] = self.loader.load(
            Enrollment, ["id", "course_id", "user_id", "role", "joined_at"], rows
        )
        participants = Counter(c for (c, _), role in roles.items() if role == PARTICIPANT)
        self.course_sizes = {c: participants[c] for c in range(1, c_count + 1)}
        self.pick_member = {c: Weighted(m, [self.activity[i] for i in m], rng) for c, m in self.members.items()}
        self.reading_progress()

    def reading_progress(self) -> None:
        """Where participants are in their course's book: about two in three have said (a tenth want to read it,
        a fifth finished, the rest reading, most of them with how far). A generator of its own, so the rest of
        the network is what it was before these rows were added."""
        rng = random.Random(f"{self.seed}:reading progress")
        statuses = [ReadingStatus.WANT, ReadingStatus.READING, ReadingStatus.FINISHED]
        rows: list[tuple[Any, ...]] = []
        for c, members in self.members.items():
            start = self.start_ts[c]
            for i in members:
                if rng.random() >= 0.65:
                    continue
                status = rng.choices(statuses, weights=(10, 70, 20))[0]
                percent = rng.randint(0, 100) if status == ReadingStatus.READING and rng.random() < 0.8 else None
                percent = 100 if status == ReadingStatus.FINISHED else percent
                when = min(start + rng.randint(0, 40 * DAY), self.now)
                rows.append((len(rows) + 1, c, i + 1, status, percent, when))
        columns = ["id", "book_id", "user_id", "status", "percent", "updated_at"]
        self.counts["reading_progress"] = self.loader.load(ReadingProgress, columns, rows)

    def mutes_and_blocks(self) -> None:
        """A few mutes per thousand people (some until undone, some running out, some already over), and a few
        blocks, between people who share a course (the active ones most); blocked pairs never interact after."""
        rng, n, now = self.rng, self.n, self.now
        n_blocks, n_mutes = max(2, n // 2000), max(4, n * 4 // 1000)
        courses = list(self.pick_member)
        pairs: dict[tuple[int, int], None] = {}
        for _ in range((n_blocks + n_mutes) * 10):
            pick = self.pick_member[rng.choice(courses)]
            i, j = pick(), pick()
            if i != j and (j, i) not in pairs:
                pairs.setdefault((i, j), None)
        blocks = list(pairs)[:n_blocks]
        mutes = list(pairs)[n_blocks : n_blocks + n_mutes]
        self.blocked = {i * n + j for a, b in blocks for i, j in ((a, b), (b, a))}
        rows: list[tuple[Any, ...]] = []
        for k, (i, j) in enumerate(mutes):
            created = now - rng.randint(2 * DAY, DAYS * DAY)
            until = [None, None, now + rng.randint(DAY, 30 * DAY), created + DAY][k % 4]
            rows.append((k + 1, i + 1, j + 1, until, created))
        self.counts["mutes"] = self.loader.load(Mute, ["id", "muter_id", "muted_id", "until", "created_at"], rows)
        rows = [(k + 1, i + 1, j + 1, now - rng.randint(DAY, 60 * DAY)) for k, (i, j) in enumerate(blocks)]
        self.counts["blocks"] = self.loader.load(Block, ["id", "blocker_id", "blocked_id", "created_at"], rows)

    # Artifacts, their tags and mentions.

    def plan_artifacts(self, count: int) -> None:
        """Who posts what where and when: authors by activity, in one of their courses (course 1 first), mostly
        during that course's run, never before joining it; then in time order (ids follow time)."""
        rng, now = self.rng, self.now
        enrolled = [i for i in range(self.n) if self.courses_of[i]]
        author_pick = Weighted(enrolled, [self.activity[i] for i in enrolled], rng)
        when, who, where = array("q"), array("i"), array("h")
        for _ in range(count):
            i = author_pick()
            mine = self.courses_of[i]
            c = 1 if mine[0] == 1 and rng.random() < 0.5 else rng.choice(mine)
            low = max(self.first, self.joined[c][i])
            start = self.start_ts[c]
            run_low, run_high = max(low, start - 3 * DAY), min(now, start + WEEKS * WEEK)
            if run_low <= run_high and rng.random() < 0.8:
                when.append(rng.randint(run_low, run_high))
            else:
                when.append(rng.randint(low, now))
            who.append(i)
            where.append(c)
        order = sorted(range(count), key=when.__getitem__)
        self.art_time = array("q", (when[k] for k in order))
        self.art_author = array("i", (who[k] for k in order))
        self.art_course = array("h", (where[k] for k in order))
        self.art_draft = bytearray(count)

    def artifacts(self) -> None:
        rng, n_art = self.rng, len(self.art_time)
        titles = [t[:-1] for t in _texts(rng, 400, 4, 9)]
        bodies = _texts(rng, 2000, 40, 120)
        names = _tag_names()
        tag_pick = Weighted(range(len(names)), [1 / (r + 1) ** 1.05 for r in range(len(names))], rng)
        tags_per = Weighted(range(5), [30, 30, 20, 12, 8], rng)
        self.tag_ids: dict[str, int] = {}  # name -> id, in order of first use
        self.tag_first_use: list[int] = []
        self.artifact_tags = (array("i"), array("i"))  # (artifact id, tag id) pairs

        def tag(name: str, when: int) -> int:
            if name not in self.tag_ids:
                self.tag_ids[name] = len(self.tag_ids) + 1
                self.tag_first_use.append(when)
            return self.tag_ids[name]

        def rows() -> Iterator[tuple[Any, ...]]:
            for a in range(n_art):
                i, c, t = self.art_author[a], self.art_course[a], self.art_time[a]
                uid, art_id = i + 1, a + 1
                roll = rng.random()
                visibility = "public" if roll < 0.80 else "course" if roll < 0.97 else "draft"
                self.art_draft[a] = visibility == "draft"
                harvested = rng.random() < 0.4
                kind = "post" if harvested else rng.choices(["post", "link", "video"], [91, 5, 4])[0]
                body = rng.choice(bodies)
                if not harvested and rng.random() < 0.01:
                    target = self.pick_member[c]()
                    body += f" Thanks @p{target + 1} for the idea."
                    if target != i:
                        self.mentions.append((target + 1, art_id, None, t))
                url = video = ""
                if harvested or kind == "link":
                    url = f"https://blog{uid}.example.invalid/{art_id}"
                elif kind == "video":
                    video = "".join(
                        rng.choices("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", k=11)
                    )
                    url = f"https://www.youtube.com/watch?v={video}"
                # Answering a prompt of the week it falls in, with the prompt's tag; other tags from the vocabulary.
                prompt_id = None
                week = (t - self.start_ts[c]) // WEEK
                if 0 <= week < WEEKS and rng.random() < 0.5:
                    prompt_id, prompt_tag = rng.choice(self.prompts_of_week[(c - 1) * WEEKS + week + 1])
                    self.artifact_tags[0].append(art_id)
                    self.artifact_tags[1].append(tag(prompt_tag, t))
                chosen: list[int] = []
                for _ in range(tags_per()):
                    v = tag_pick()
                    while v in chosen:
                        v = tag_pick()
                    chosen.append(v)
                for v in chosen:
                    self.artifact_tags[0].append(art_id)
                    self.artifact_tags[1].append(tag(names[v], t))
                excerpt = ""
                if harvested:
                    words = body.split(maxsplit=EXCERPT_WORDS)
                    excerpt = " ".join(words[:EXCERPT_WORDS]) + ("…" if len(words) > EXCERPT_WORDS else "")
                yield (
                    art_id,
                    uid,
                    c,
                    prompt_id,
                    kind,
                    rng.choice(titles),
                    "" if harvested else body,
                    _html(body),
                    url,
                    "youtube" if video else "",
                    video,
                    visibility,
                    "harvested" if harvested else "native",
                    f"{uid}'s blog" if harvested else "",
                    excerpt,
                    t,
                    t,
                    t,
                )

        columns = ["id", "author_id", "course_id", "prompt_id", "kind", "title", "body", "body_html", "url"]
        columns += ["video_provider", "video_id", "visibility", "origin", "source_name", "excerpt"]
        self.counts["artifacts"] = self.loader.load(
            Artifact, [*columns, "published_at", "created_at", "updated_at"], rows()
        )
        self.counts["tags"] = self.loader.load(Tag, ["id", "name"], ((k, name) for name, k in self.tag_ids.items()))
        pairs = self.artifact_tags
        self.counts["artifact_tags"] = self.loader.load(
            Artifact.tags.through,
            ["id", "artifact_id", "tag_id"],
            ((k + 1, *p) for k, p in enumerate(zip(*pairs, strict=True))),
        )
        del self.artifact_tags

    # Comments and their mentions.

    def comments(self, target: int) -> None:
        """A geometric number per published artifact (mean target / artifacts), minutes to days after it and within
        the comment window, by members of its course who had joined; a third answer an earlier top-level comment
        (threads are one level deep). Planned first, then written in time order."""
        rng, now, n_art = self.rng, self.now, len(self.art_time)
        mean = target / max(1, n_art)
        log_keep = math.log(mean / (1 + mean)) if mean > 0 else 0.0
        tones = Weighted(range(4), TONE_WEIGHTS, rng)
        texts = [
            [opener + s.lower()[:-1] + end for opener in openers for s in _texts(rng, 40, 6, 30)]
            for openers, end in OPENERS.values()
        ]
        c_art, c_author, c_parent, c_text, c_mention = (array("i") for _ in range(5))
        c_when, c_removed = array("q"), array("q")
        c_tone, c_predicted = bytearray(), bytearray()
        for a in range(n_art):
            if self.art_draft[a] or not log_keep:
                continue
            k = int(math.log(1.0 - rng.random()) / log_keep)
            if not k:
                continue
            c, t, art_author = self.art_course[a], self.art_time[a], self.art_author[a]
            closes = min(now, t + COMMENT_WINDOW_DAYS * DAY)
            joined = self.joined[c]
            tops: list[tuple[int, int]] = []  # (plan index + 1, author) of the shown top-level comments
            for delay in sorted(60 + int(rng.expovariate(1 / 64_800)) for _ in range(k)):
                when = t + delay
                if when >= closes:
                    break
                author = self.pick_member[c]()
                if joined[author] > when or self.apart(author, art_author):
                    continue
                parent = rng.choice(tops) if tops and rng.random() < 0.35 else None
                if parent and self.apart(author, parent[1]):
                    parent = None
                tone = tones()
                predicted = tone if rng.random() >= 0.03 else (tone + rng.randint(1, 3)) % 4
                removed = when + 3600 if rng.random() < 0.01 and when + 3600 < now else 0
                mention = self.pick_member[c]() + 1 if rng.random() < 0.02 else 0
                c_art.append(a)
                c_author.append(author)
                c_parent.append(parent[0] if parent else 0)
                c_text.append(rng.randrange(len(texts[tone])))
                c_mention.append(mention)
                c_when.append(when)
                c_removed.append(removed)
                c_tone.append(tone)
                c_predicted.append(predicted)
                if not parent and not removed:
                    tops.append((len(c_art), author))
        order = sorted(range(len(c_art)), key=c_when.__getitem__)
        ids = array("i", bytes(4 * (len(order) + 1)))  # plan index + 1 -> comment id
        for pos, k in enumerate(order, start=1):
            ids[k + 1] = pos

        def rows() -> Iterator[tuple[Any, ...]]:
            for pos, k in enumerate(order, start=1):
                author, art_id, when, removed = c_author[k], c_art[k] + 1, c_when[k], c_removed[k]
                body = texts[c_tone[k]][c_text[k]]
                if mention := c_mention[k]:
                    body += f" @p{mention}"
                    if mention != author + 1 and not removed:
                        self.mentions.append((mention, art_id, pos, when))
                tone, predicted = TONES[c_tone[k]], TONES[c_predicted[k]]
                yield (
                    pos,
                    art_id,
                    author + 1,
                    ids[c_parent[k]] or None,
                    "" if removed else body,
                    "" if removed else _html(body),
                    tone,
                    predicted,
                    tone != predicted,
                    when,
                    removed or None,
                    author + 1 if removed else None,
                    self.art_author[c_art[k]] + 1,
                    c_author[c_parent[k] - 1] + 1 if c_parent[k] else None,
                )

        columns = ["id", "artifact_id", "author_id", "parent_id", "body", "body_html", "tone", "tone_predicted"]
        columns += ["tone_corrected", "created_at", "removed_at", "removed_by_id", "artifact_author_id"]
        columns += ["parent_author_id"]
        self.counts["comments"] = self.loader.load(Comment, columns, rows())
        self.mentions.sort(key=lambda m: (m[3], m[2] or 0))
        self.counts["mentions"] = self.loader.load(
            Mention,
            ["id", "user_id", "artifact_id", "comment_id", "created_at"],
            ((k, *m) for k, m in enumerate(self.mentions, start=1)),
        )

    # Shares and opens.

    def shares_and_opens(self, share_target: int, open_target: int) -> None:
        """Shares: 15% one's own work, the rest by course members; hours to days after publication; at most
        DAILY_SHARE_LIMIT a person in any 24 hours. Each share of someone else's work has an open before it (the
        courses require reading first); then opens through shares (by someone else) and direct opens."""
        rng, now, n_art = self.rng, self.now, len(self.art_time)
        art_time, art_author, art_course, draft = self.art_time, self.art_author, self.art_course, self.art_draft
        published = [a for a in range(n_art) if not draft[a]]
        chosen: dict[int, int] = {}  # person * n_art + artifact -> when
        tries = 0
        while published and len(chosen) < share_target and tries < share_target * 10:
            tries += 1
            a = rng.choice(published)
            c = art_course[a]
            i = art_author[a] if rng.random() < 0.15 else self.pick_member[c]()
            when = art_time[a] + 60 + int(rng.expovariate(1 / DAY))
            if when < now and self.joined[c].get(i, art_time[a]) <= when and not self.apart(i, art_author[a]):
                chosen.setdefault(i * n_art + a, when)
        recent: dict[int, deque[int]] = {}
        shares: list[tuple[int, int, int]] = []  # (when, person, artifact), in time order
        for key, when in sorted(chosen.items(), key=lambda item: (item[1], item[0])):
            window = recent.setdefault(key // n_art, deque())
            while window and window[0] < when - DAY:
                window.popleft()
            if len(window) < DAILY_SHARE_LIMIT:
                window.append(when)
                shares.append((when, key // n_art, key % n_art))
        del chosen, recent
        notes = [*SHARE_NOTES, *([""] * 8)]
        self.counts["shares"] = self.loader.load(
            Share,
            ["id", "sharer_id", "artifact_id", "own_work", "note", "created_at"],
            (
                (s, i + 1, a + 1, i == art_author[a], rng.choice(notes), when)
                for s, (when, i, a) in enumerate(shares, 1)
            ),
        )
        self.shares = shares

        opens: dict[int, tuple[int, int | None]] = {}  # person * n_art + artifact -> (first opened, via share id)
        for when, i, a in shares:
            if i != art_author[a]:
                earliest = max(art_time[a] + 30, self.joined[art_course[a]][i])
                opens[i * n_art + a] = (max(earliest, when - 60 - int(rng.expovariate(1 / 3600))), None)
        tries = 0
        while published and len(opens) < open_target and tries < open_target * 10:
            tries += 1
            via: int | None = None
            if shares and rng.random() < 0.4:
                s = rng.randrange(len(shares))
                shared_at, sharer, a = shares[s]
                when, via = shared_at + 30 + int(rng.expovariate(1 / 43_200)), s + 1
            else:
                a, sharer = rng.choice(published), -1
                when = art_time[a] + 30 + int(rng.expovariate(1 / DAY))
            c, author = art_course[a], art_author[a]
            i = self.pick_member[c]()
            if i in (sharer, author) or when >= now or self.joined[c][i] > when or self.apart(i, author):
                continue
            opens.setdefault(i * n_art + a, (when, via))

        def rows() -> Iterator[tuple[Any, ...]]:
            for k, (key, (when, via)) in enumerate(sorted(opens.items(), key=lambda item: (item[1][0], item[0])), 1):
                count = 1 if rng.random() < 0.8 else rng.randint(2, 4)
                last = when if count == 1 else min(now, when + int(rng.expovariate(1 / (2 * DAY))))
                yield (k, key // n_art + 1, key % n_art + 1, via, when, last, count)

        columns = ["id", "user_id", "artifact_id", "via_share_id", "first_opened_at", "last_opened_at", "count"]
        self.counts["opens"] = self.loader.load(Open, columns, rows())
        self.counts["opens_via_share"] = sum(1 for _, via in opens.values() if via)

    # Follows, tag follows, notifications.

    def follows(self, target: int) -> None:
        """Followers by activity, followees by popularity (heavy-tailed); over the last year."""
        rng, n, now = self.rng, self.n, self.now
        follower_pick = Weighted(range(n), [a + 0.5 for a in self.activity], rng)
        followee_pick = Weighted(range(n), self.popularity, rng)
        chosen: dict[int, int] = {}
        tries = 0
        while len(chosen) < target and tries < target * 20:
            tries += 1
            f, g = follower_pick(), followee_pick()
            if f != g and not self.apart(f, g):
                chosen.setdefault(f * n + g, now - rng.randint(60, 365 * DAY))
        self.follow_list = sorted(chosen.items(), key=lambda item: (item[1], item[0]))
        del chosen
        self.counts["follows"] = self.loader.load(
            Follow,
            ["id", "follower_id", "followee_id", "created_at"],
            ((k, key // n + 1, key % n + 1, when) for k, (key, when) in enumerate(self.follow_list, 1)),
        )
        # Tag follows: one person in thirty follows one to three tags, some time after the tag first appeared.
        if self.tag_ids:
            names = list(self.tag_ids.values())
            tag_pick = Weighted(names, [1 / (r + 1) for r in range(len(names))], rng)
            rows: list[tuple[Any, ...]] = []
            for i in range(n):
                if rng.random() < 1 / 30:
                    for tag_id in sorted({tag_pick() for _ in range(rng.randint(1, 3))}):
                        when = rng.randint(self.tag_first_use[tag_id - 1], now)
                        rows.append((len(rows) + 1, i + 1, tag_id, when))
            self.counts["tag_follows"] = self.loader.load(TagFollow, ["id", "user_id", "tag_id", "created_at"], rows)

    def notifications(self) -> None:
        """A stored notification for each follow and each share of someone else's work, as the services write
        them; most people last marked theirs read a few days ago, which marks the older ones read."""
        rng, n, now, art_author = self.rng, self.n, self.now, self.art_author
        seen = [0] * n
        for i in range(n):
            if self.activity[i] > 0.05 and rng.random() < 0.8:
                seen[i] = now - int(rng.expovariate(1 / (3 * DAY)))
        self.counts["notifications_seen"] = self.loader.load(
            NotificationsSeen, ["user_id", "seen_at"], ((i + 1, seen[i]) for i in range(n) if seen[i])
        )
        follows = ((when, key % n, key // n, None) for key, when in self.follow_list)
        shares = ((when, art_author[a], i, a + 1) for when, i, a in self.shares if i != art_author[a])

        def rows() -> Iterator[tuple[Any, ...]]:
            merged = heapq.merge(follows, shares, key=lambda item: item[0])
            for k, (when, recipient, actor, artifact) in enumerate(merged, 1):
                kind = "follow" if artifact is None else "share"
                read = seen[recipient] if when <= seen[recipient] else None
                yield (k, recipient + 1, actor + 1, kind, artifact, when, read)

        columns = ["id", "recipient_id", "actor_id", "kind", "artifact_id", "created_at", "read_at"]
        self.counts["notifications"] = self.loader.load(Notification, columns, rows())


MODELS: list[type[models.Model]] = [
    User,
    Course,
    Book,
    Week,
    Reading,
    Prompt,
    Enrollment,
    ReadingProgress,
    Mute,
    Block,
    Artifact,
    Tag,
    Artifact.tags.through,
    Comment,
    Mention,
    Share,
    Open,
    Follow,
    TagFollow,
    NotificationsSeen,
    Notification,
]


def occupied_tables() -> dict[str, int]:
    """The tables generate() writes that already hold rows, with how many (an empty dict: safe to load)."""
    found = {}
    for model in MODELS:
        if model._default_manager.exists():
            found[model._meta.db_table] = model._default_manager.count()
    return found


def generate(
    *,
    users: int,
    artifacts: int,
    courses: int = 50,
    seed: int = 1,
    comments: int | None = None,
    shares: int | None = None,
    opens: int | None = None,
    follows: int | None = None,
    big_course_size: int = COURSE_SIZES[1],
    password_hash: str = "!",  # noqa: S107 (Django's mark of an unusable password)
    now: dt.datetime | None = None,
    say: Say = _quiet,
) -> dict[str, Any]:
    """Fill the database with a synthetic network in one transaction; returns counts and timings.

    People are p1 … pN (ids 1 … N, `password_hash` for all: "!" cannot sign in); course 1 (slug `bench-big`,
    `big_course_size` participants, facilitated by p1 and p2) runs over the last six weeks, the others (100 to
    5,000 participants) started over the last 120 days. `now` (default: the clock, to the second) is the only
    time read: the same seed and `now` give the same rows. Ids start at 1 in every table, so the database must
    not hold any of these rows yet (see occupied_tables()); a clash raises IntegrityError and writes nothing.
    Raises ValueError for fewer than 3 people or no course.
    """
    if users < 3 or courses < 1 or artifacts < 0:
        raise ValueError("Scale data needs at least 3 people, 1 course and no negative counts.")
    target = sizes(users=users, artifacts=artifacts, comments=comments, shares=shares, opens=opens, follows=follows)
    now_dt = (now or timezone.now() - dt.timedelta(minutes=1)).astimezone(dt.UTC).replace(microsecond=0)
    loader = Loader(say)
    net = _Network(
        seed=seed, now=int(now_dt.timestamp()), users=users, courses=courses, password_hash=password_hash, loader=loader
    )
    started = time.perf_counter()
    with transaction.atomic():
        net.people()
        net.courses(now_dt.date(), big_course_size)
        net.mutes_and_blocks()
        net.plan_artifacts(artifacts)
        net.artifacts()
        net.comments(target["comments"])
        net.shares_and_opens(target["shares"], target["opens"])
        net.follows(target["follows"])
        net.notifications()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), MODELS):
                    cursor.execute(statement)
    total = time.perf_counter() - started
    counts = net.counts
    counts["big_course_participants"] = net.course_sizes[1]
    return {
        "counts": counts,
        "course_sizes": net.course_sizes,
        "seconds": {table: info["seconds"] for table, info in loader.tables.items()},
        "total_s": round(total, 1),
        "rows": loader.rows,
        "rows_per_s": round(loader.rows / total) if total else 0,
        "insert_s": round(loader.seconds, 1),
        "now": now_dt.isoformat(),
        "big_course_weeks": [str(net.big_start + dt.timedelta(weeks=w)) for w in range(WEEKS)],
        "top_author_artifacts": Counter(net.art_author).most_common(1)[0][1] if artifacts else 0,
    }


@contextlib.contextmanager
def bulk_load_mode() -> Iterator[list[str]]:
    """Make a bulk load cheaper, and undo it afterwards; yields notes on what could not be done.

    SQLite: foreign-key checks and fsync off, a larger page cache (pragmas work only outside a transaction, so
    inside one, e.g. a test, nothing changes). PostgreSQL: `session_replication_role = replica` (no foreign-key
    triggers) when the connecting role may set it; otherwise the load goes on with the checks.
    """
    notes: list[str] = []
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        if connection.in_atomic_block:
            notes.append("inside a transaction: SQLite's pragmas unchanged")
            yield notes
            return
        names = ("foreign_keys", "synchronous", "cache_size")
        with connection.cursor() as cursor:
            saved = {}
            for name in names:
                cursor.execute(f"PRAGMA {name}")
                saved[name] = cursor.fetchone()[0]
            for name, value in zip(names, ("OFF", "OFF", "-524288"), strict=True):
                cursor.execute(f"PRAGMA {name}={value}")
        try:
            yield notes
        finally:
            with connection.cursor() as cursor:
                for name, value in saved.items():
                    cursor.execute(f"PRAGMA {name}={int(value)}")
        return
    replica = False
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")
            replica = True
        except DatabaseError as error:
            notes.append(f"foreign-key checks stay on (session_replication_role: {error})".strip())
    try:
        yield notes
    finally:
        if replica:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")


def analyze() -> float:
    """Refresh the query planner's statistics after a bulk load; returns the seconds it took.

    On PostgreSQL, outside a transaction, `VACUUM (ANALYZE)`: it also marks the new pages all-visible, as a live
    database's autovacuum soon does, so index-only scans need not visit the table. Straight after a bulk load they
    fetched every row from the table (the home timeline's events following ~200 at 1M artifacts: 36,000 fetches,
    11 ms against 3 after), and pages measured 20-50% slower or not depending on whether autovacuum had caught up."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and connection.get_autocommit() and not connection.in_atomic_block:
            cursor.execute("VACUUM (ANALYZE)")
        else:
            cursor.execute("ANALYZE")
    return time.perf_counter() - started
