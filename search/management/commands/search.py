"""`commonplace search reindex`: rebuild the full-text indexes, with a progress bar."""

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from search.services import reindex, reindex_total


class Command(BaseCommand):
    help = "Search index tools. reindex: rebuild every index from the posts, comments and people."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["reindex"], help="reindex: rebuild the indexes")

    def handle(self, *args: object, **options: object) -> None:
        with tqdm(total=reindex_total(), unit="row", file=self.stderr, disable=None) as bar:
            counts = reindex(progress=bar.update)
        parts = ", ".join(f"{n:,} {name.removeprefix('search_')}" for name, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Indexed {parts}."))
