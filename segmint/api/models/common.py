"""What every resource shares: the camelCase base model and problem details (RFC 9457)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

PROBLEM_MEDIA_TYPE = "application/problem+json"


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


#: A time sent with its offset (RFC 3339); the store keeps naive UTC times.
UtcDateTime = Annotated[datetime, AfterValidator(_as_utc)]


class ApiModel(BaseModel):
    """camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class ProblemLocation(ApiModel):
    """Where a problem is; only the parts that are known are present."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None


class ProblemItem(ApiModel):
    """One located problem among several (invalid records, invalid request fields)."""

    location: ProblemLocation
    message: str


class Problem(ApiModel):
    """An error as problem details, with where (``location``) and how to fix it (``hint``)."""

    type: str
    title: str
    status: int
    detail: str
    location: ProblemLocation | None = None
    hint: str | None = None
    problems: list[ProblemItem] | None = None


#: Documents problem details as the answer to every error, for every route.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    "default": {
        "description": "Problem details (RFC 9457)",
        "model": Problem,
    }
}
