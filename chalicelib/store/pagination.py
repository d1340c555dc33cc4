"""List pagination shared by every listing: ``page``/``limit`` (offset) and ``cursor`` (O(page)).

Offset pages walk the partition up to the page (their cost grows with the page number); a cursor resumes where the
previous page ended. Every page answers ``next_cursor`` so a client can switch to cursor traversal at any time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import ConfigDict, Field, model_validator

from chalicelib.core.errors import BadRequest, FieldValueError
from chalicelib.core.models import QueryModel
from chalicelib.store.port import Item, Page

MAX_LIMIT = 100
_SKIP_BATCH = 1000


class PageQuery(QueryModel):
    """Query parameters of every list route."""

    model_config = ConfigDict(extra="ignore")

    page: int = Field(default=1, ge=1, le=100_000, description="1-based page number (offset pagination).")
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT, description="Items per page, at most 100.")
    cursor: str | None = Field(
        default=None, max_length=2048, description="`meta.next_cursor` of the previous page; overrides `page`."
    )

    @model_validator(mode="after")
    def _range_in_order(self) -> PageQuery:
        start, end = getattr(self, "start_date", None), getattr(self, "end_date", None)
        if start is not None and end is not None and end < start:
            raise FieldValueError("end_date", "must not be before start_date")
        return self


@dataclass(frozen=True)
class Listing:
    """One page of a list answer: the items and what ``meta`` reports."""

    items: list[Any]
    page: int | None
    limit: int
    total: int
    next_cursor: str | None

    def meta(self) -> dict[str, Any]:
        return {"page": self.page, "limit": self.limit, "total": self.total, "next_cursor": self.next_cursor}


QueryFn = Callable[[int, str | None], Page]
Q = TypeVar("Q", bound=PageQuery)


def fetch_page(query: QueryFn, params: PageQuery) -> tuple[Page, int | None]:
    """Run ``query(limit, cursor)`` for the requested page; returns the page and the page number (or ``None``)."""
    if params.cursor:
        return query(params.limit, params.cursor), None
    cursor: str | None = None
    to_skip = (params.page - 1) * params.limit
    while to_skip > 0:
        skipped = query(min(to_skip, _SKIP_BATCH), cursor)
        to_skip -= len(skipped.items)
        cursor = skipped.next_cursor
        if cursor is None:
            return Page(items=[], next_cursor=None), params.page
    return query(params.limit, cursor), params.page


def page_of_matches(matches: Sequence[Any], params: PageQuery, convert: Callable[[Any], Any]) -> Listing:
    """A page of an already filtered list (searches, status filters): ``total`` counts the matches and the
    cursor is the offset of the next page (``offset:<n>``), so ``page`` and ``cursor`` both work."""
    if params.cursor:
        raw = params.cursor.removeprefix("offset:")
        if not params.cursor.startswith("offset:") or not (raw.isascii() and raw.isdecimal()) or len(raw) > 9:
            raise BadRequest("cursor is not one this listing issued", code="invalid_cursor")
        offset = int(raw)
    else:
        offset = (params.page - 1) * params.limit
    chosen = matches[offset:offset + params.limit]
    more = offset + params.limit < len(matches)
    next_cursor = f"offset:{offset + params.limit}" if more else None
    return Listing(items=[convert(m) for m in chosen], page=None if params.cursor else params.page,
                   limit=params.limit, total=len(matches), next_cursor=next_cursor)


def all_items(fetch: Callable[[str | None], Page]) -> Iterator[Item]:
    """Every item of a query, page after page: ``fetch(cursor)`` reads one page."""
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        yield from page.items
        if (cursor := page.next_cursor) is None:
            return


def count_all(fetch: QueryFn) -> int:
    """How many items a (filtered) query holds, read in large pages."""
    return sum(1 for _ in all_items(lambda cursor: fetch(_SKIP_BATCH, cursor)))


_OLD_TOTAL_MARK = "~"  # never in a store cursor (URL-safe base64)


def without_total(params: Q) -> Q:
    """The query with its cursor stripped of the total that older cursors carried (``<total>~<cursor>``): a total
    is always counted again, never taken from the client."""
    if params.cursor and _OLD_TOTAL_MARK in params.cursor:
        return params.model_copy(update={"cursor": params.cursor.partition(_OLD_TOTAL_MARK)[2]})
    return params
