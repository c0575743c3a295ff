"""`commonplace tone`: classify replies read one per line from stdin, printing one label per line."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.tone import classify


class Command(BaseCommand):
    help = "Read one reply per line on stdin and print its tone (support, question, challenge or neutral)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--explain", action="store_true", help="also print the confidence and reasons, tab-separated"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for line in sys.stdin:
            text = line.rstrip("\n")
            result = classify(text)
            if options["explain"]:
                self.stdout.write(f"{result.label}\t{result.confidence:.2f}\t{'; '.join(result.reasons)}")
            else:
                self.stdout.write(result.label.value)
