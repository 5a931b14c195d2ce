"""``start``/``limit`` paging of list endpoints, with a link to the next page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, TypeVar

from fastapi import Query
from starlette.datastructures import URL

from segmint.api.models.definitions import PageInfo, PageLink

T = TypeVar("T")

Start = Annotated[int, Query(ge=0, description="Offset of the first item.")]
Limit = Annotated[int, Query(ge=1, le=100, description="Items per page.")]


def page(
    items: Sequence[T], start: int, limit: int, url: URL
) -> tuple[list[T], PageInfo, PageLink]:
    chosen = list(items[start : start + limit])
    info = PageInfo(
        start=start,
        limit=limit,
        page_size=len(chosen),
        total_count=len(items),
        total_pages=-(-len(items) // limit),
    )
    more = start + limit < len(items)
    link = PageLink(next=str(url.include_query_params(start=start + limit)) if more else None)
    return chosen, info, link
