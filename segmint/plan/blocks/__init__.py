"""The Segment Builder's blocks: a JSON view of the logical plan for the web UI and the REST
API. ``blocks_to_plan`` builds the plan the binder builds for the equivalent PQL;
``plan_to_blocks`` reads a plan back, or says which construct has no block form."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from segmint.errors import Location, PQLError
from segmint.plan.blocks.build import blocks_to_plan
from segmint.plan.blocks.model import (
    Aggregation,
    Attribute,
    Audience,
    Blocks,
    Condition,
    Container,
    Count,
    Event,
    Gap,
    Sequence,
    Step,
    TimeConstraint,
)
from segmint.plan.blocks.read import plan_to_blocks

__all__ = [
    "blocks_to_plan", "plan_to_blocks", "load_blocks", "dump_blocks",
    "Blocks", "Container", "Attribute", "Event", "Sequence", "Audience",
    "Condition", "Count", "TimeConstraint", "Aggregation", "Step", "Gap",
]  # fmt: skip

_TAGS = frozenset({"attribute", "event", "sequence", "audience", "container"})


def load_blocks(data: str | bytes | dict[str, Any]) -> Blocks:
    """Blocks from JSON text or decoded JSON; malformed input is a located ``PQLError``."""
    try:
        if isinstance(data, str | bytes):
            return Container.model_validate_json(data)
        return Container.model_validate(data)
    except ValidationError as error:
        problems = error.errors()
        first = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise PQLError(
            f"{first['msg']}{more}",
            location=Location(field=_path(first["loc"]) or None),
            hint="see the Segment Builder JSON model in segmint.plan.blocks.model",
        ) from None


def dump_blocks(blocks: Blocks) -> dict[str, Any]:
    """The JSON form of blocks: camelCase keys, unset options left out."""
    return blocks.model_dump(mode="json", by_alias=True, exclude_none=True)


def _path(loc: tuple[int | str, ...]) -> str:
    """``("items", 2, "event", "count")`` as ``items[2].count`` (union tags left out)."""
    text = ""
    for n, part in enumerate(loc):
        if isinstance(part, int):
            text += f"[{part}]"
        elif not (part in _TAGS and n and isinstance(loc[n - 1], int)):
            text += f".{part}" if text else part
    return text
