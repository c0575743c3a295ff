"""Reads for reading together: a book's quotes and notes in page order, and folding what a reader has not reached."""

from collections.abc import Iterable, Mapping

from django.db.models import F, Q

from accounts.models import FilterContext
from accounts.selectors import filters_for
from courses.models import Book, Course, ReadingProgress, ReadingStatus
from posts.models import BOOK_MAX_PAGE, Artifact
from posts.selectors import Page, Viewer, card_query, cards, filter_keeper

BOOK_PAGE_SIZE = 50
# Where an artifact anchored to a chapter only sorts: after every page.
NO_PAGE = BOOK_MAX_PAGE + 1


def book_of(course: Course, pk: int) -> Book | None:
    """One of the course's books; None for a missing book and for another course's alike."""
    return Book.objects.filter(course=course, pk=pk).first()


def _decode(cursor: str | None) -> tuple[int, int] | None:
    """The (page, id) position in a book page's cursor; None for none or a malformed one."""
    at, _, pk = (cursor or "").partition("-")
    return (int(at), int(pk)) if at.isdigit() and pk.isdigit() else None


def book_quotes(*, book: Book, viewer: Viewer, cursor: str | None = None, limit: int = BOOK_PAGE_SIZE) -> Page:
    """What the viewer may see anchored to the book (quotes and notes, and posts about a page), in page order,
    chapter-only ones last; without drafts and muted people. The viewer's keyword filters for courses apply: a
    hidden item shortens its page. The same few queries however many there are; a malformed cursor starts over."""
    qs = Artifact.objects.visible_to(viewer).unmuted_for(viewer).published().filter(book=book)
    position = _decode(cursor)
    if position is not None:
        at, pk = position
        if at >= NO_PAGE:
            qs = qs.filter(page__isnull=True, id__gt=pk)
        else:
            qs = qs.filter(Q(page__gt=at) | Q(page=at, id__gt=pk) | Q(page__isnull=True))
    rows = cards(card_query(qs).order_by(F("page").asc(nulls_last=True), "id")[: limit + 1])
    more, rows = len(rows) > limit, rows[:limit]
    keep = filter_keeper(filters_for(viewer, FilterContext.COURSES))
    items = [row for row in rows if keep is None or keep(row)]
    last = rows[-1] if more else None
    return Page(items=items, next_cursor=f"{last.page or NO_PAGE}-{last.pk}" if last else None)


def reached_page(*, status: str, page: int | None, percent: int | None, pages: int | None) -> int | None:
    """The page a reader has reached: to the end of a finished book, page 0 of one they want to read, else the
    page they gave or their percent of the book's pages. None when that cannot be told."""
    if status == ReadingStatus.FINISHED:
        return BOOK_MAX_PAGE
    if status == ReadingStatus.WANT:
        return 0
    if page is not None:
        return page
    if percent is not None and pages:
        return percent * pages // 100
    return None


def reached_in(book: Book, progress: ReadingProgress | None) -> dict[int, int]:
    """`spoiler_pages` for one book from the reader's progress already read (the book page's own)."""
    if progress is None:
        return {}
    at = reached_page(status=progress.status, page=progress.page, percent=progress.percent, pages=book.pages)
    return {} if at is None else {book.pk: at}


def spoiler_pages(viewer: Viewer, course: Course | None = None, *, book_ids: Iterable[int] = ()) -> dict[int, int]:
    """Per book (by id) of the course, or of `book_ids`: the page the viewer has reached (`reached_page`). Books
    they have not said where they are in, or gave no position for, are left out: nothing in them is folded. One
    query; none when signed out."""
    if not viewer.is_authenticated:
        return {}
    rows = ReadingProgress.objects.filter(user_id=viewer.pk)
    rows = rows.filter(book__course=course) if course is not None else rows.filter(book_id__in=list(book_ids))
    found: dict[int, int] = {}
    fields = ("book_id", "status", "page", "percent", "book__pages")
    for book_id, status, page, percent, pages in rows.values_list(*fields):
        at = reached_page(status=status, page=page, percent=percent, pages=pages)
        if at is not None:
            found[book_id] = at
    return found


def ahead(artifact: Artifact, reached: Mapping[int, int], viewer_id: int | None = None) -> bool:
    """True when the artifact is anchored to a page beyond where the viewer is in that book (`reached`, from
    `spoiler_pages`). Never for the viewer's own work, a book they gave no position for, or a chapter alone."""
    if artifact.book_id is None or artifact.page is None or artifact.author_id == viewer_id:
        return False
    at = reached.get(artifact.book_id)
    return at is not None and artifact.page > at


def fold_ahead(artifacts: Iterable[Artifact], viewer: Viewer, reached: Mapping[int, int] | None = None) -> None:
    """Set `ahead` on each artifact (see `ahead`), so its card or page folds what the viewer has not reached.
    Reads the viewer's progress once, only when one of them is anchored to a page of someone else's; pass
    `reached` when it is already known."""
    artifacts = list(artifacts)
    viewer_id = viewer.pk if viewer.is_authenticated else None
    anchored = {a.book_id for a in artifacts if a.book_id and a.page is not None and a.author_id != viewer_id}
    if reached is None:
        reached = spoiler_pages(viewer, book_ids=anchored) if anchored and viewer_id else {}
    for artifact in artifacts:
        artifact.ahead = ahead(artifact, reached, viewer_id)  # type: ignore[attr-defined]
