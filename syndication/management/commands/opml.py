"""A course's blogroll as OPML: `export` prints it, `import` registers the participants' blogs from a file."""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.exceptions import ActionError
from courses.models import Course
from syndication.opml import course_blogroll_opml


class Command(BaseCommand):
    help = "Export a course's blogroll as OPML, or import blogs into a course from an OPML file."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{export,import}")
        export = actions.add_parser("export", help="Print the course's gathered blogs as OPML.")
        export.add_argument("--course", required=True, metavar="SLUG")
        read = actions.add_parser("import", help="Register the blogs an OPML file lists (participants' only).")
        read.add_argument("--course", required=True, metavar="SLUG")
        read.add_argument("file", help="The OPML file, or - for standard input.")

    def handle(self, *args: Any, action: str, course: str, **options: Any) -> None:
        found = Course.objects.filter(slug=course).first()
        if found is None:
            raise CommandError(f"No course with the slug {course!r}.")
        if action == "export":
            self.stdout.write(course_blogroll_opml(found).decode(), ending="")
            return
        self._import(found, options["file"])

    def _import(self, course: Course, file: str) -> None:
        from syndication.services import import_opml

        try:
            data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"Could not read {file}: {exc.strerror}.") from None
        try:
            result = import_opml(course=course, data=data, actor=None)
        except ActionError as exc:
            raise CommandError(exc.message) from None
        for label, lines in (
            ("Already registered", result.duplicates),
            ("No participant matched", result.unmatched),
            ("Refused", result.refused),
        ):
            for line in lines:
                self.stdout.write(f"{label}: {line}")
        self.stdout.write(self.style.SUCCESS(f"Added {len(result.added)} blog{'' if len(result.added) == 1 else 's'}."))
