"""Customer AI instances: what to predict (goal, window, population, extra fields), stored per
sandbox and checked against its schemas before they are kept, like segment definitions."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum

from segmint import segments
from segmint.engines.duckdb import Connection
from segmint.errors import (
    ConflictError,
    Location,
    NotFoundError,
    PQLError,
    UsageError,
    did_you_mean,
)
from segmint.plan import nodes as pn
from segmint.pql import PQLSyntaxError, parse
from segmint.schema.model import SchemaClass
from segmint.store import catalog
from segmint.store.catalog import now
from segmint.store.profiles import RESERVED_DATASET_PREFIX
from segmint.store.tables import FRAGMENTS

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_WINDOW = re.compile(r"^\s*(\d+)\s*(d|w)\s*$")
_GOAL_TYPE = re.compile(r'^\s*eventType\s*=\s*"([^"]+)"\s*$')
_GOAL_OPEN = "xEvent["


class PropensityType(StrEnum):
    CHURN = "churn"  # the goal does not happen in the window
    CONVERSION = "conversion"  # the goal happens at least once in the window


@dataclass(frozen=True)
class Instance:
    name: str
    type: PropensityType
    goal: str  # an event condition, e.g. eventType = "commerce.purchases"
    window_days: int
    eligibility: str | None = None  # a segment definition; None: every profile with history
    features: tuple[str, ...] = field(default_factory=tuple)  # extra profile fields

    @property
    def goal_event_type(self) -> str | None:
        """The event type when the goal is exactly one, so factors can name it."""
        found = _GOAL_TYPE.match(self.goal)
        return found.group(1) if found else None


def parse_window(text: str) -> int:
    """A prediction window such as ``30d`` or ``4w``, in days."""
    found = _WINDOW.match(text)
    days = int(found.group(1)) * (7 if found.group(2) == "w" else 1) if found else 0
    if days < 1:
        raise UsageError(
            f'"{text}" is not a prediction window', hint="write days or weeks: 30d, 4w"
        )
    return days


def goal_condition(con: Connection, goal: str) -> tuple[str, pn.Node]:
    """The goal bound in the event scope: (event variable, condition over it)."""
    try:
        parse(goal)  # syntax errors located in the goal itself, not in the wrapping below
    except PQLError as error:
        raise in_field(error, "goal", goal) from None
    try:
        plan = segments.compile_pql(con, f"{_GOAL_OPEN}{goal}].count() > 0")
    except PQLError as error:
        raise in_field(error, "goal", goal, len(_GOAL_OPEN)) from None
    root = plan.root
    if (
        not isinstance(root, pn.Compare)
        or not isinstance(root.left, pn.Aggregate)
        or root.left.condition is None
        or plan.profile_fields
        or plan.segments
    ):
        raise PQLError(
            f"the goal {goal!r} is not a condition on one event",
            hint='write a condition on event fields, e.g. eventType = "commerce.purchases"',
        )
    return root.left.var, root.left.condition


def in_field(error: PQLError, name: str, text: str, shift: int = 0) -> PQLError:
    """The error located in the instance's field ``name``; ``shift`` columns of the first line
    were wrapped around ``text`` before it was compiled."""
    if not isinstance(error, PQLSyntaxError):
        return error
    column = max(error.column - shift, 1) if error.line == 1 else error.column
    moved = PQLSyntaxError(
        error.message, source=text, line=error.line, column=column, hint=error.hint
    )
    moved.location = replace(moved.location or Location(), field=name)
    return moved


def create(con: Connection, instance: Instance) -> Instance:
    """Check and store an instance; names are unique in a sandbox."""
    if not _NAME.match(instance.name):
        raise UsageError(
            f'"{instance.name}" cannot name a Customer AI instance',
            hint="use letters, digits and _ (it becomes the attribute customerAI.<name>.score)",
        )
    if instance.window_days < 1:
        raise UsageError("the prediction window must be at least one day")
    if _find(con, instance.name) is not None:
        raise ConflictError(f'Customer AI instance "{instance.name}" already exists')
    goal_condition(con, instance.goal)
    if instance.eligibility is not None:
        try:
            segments.compile_pql(con, instance.eligibility)
        except PQLError as error:
            raise in_field(error, "eligibility", instance.eligibility) from None
    profile = catalog.schema(con, SchemaClass.PROFILE)
    for path in instance.features:
        if profile.leaf(path) is None:
            raise UsageError(
                f"feature field {path} is not in the profile schema",
                hint=did_you_mean(path, profile.fields) or "name a profile attribute",
            )
    con.execute(
        "INSERT INTO ai_instances VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            instance.name,
            instance.type.value,
            instance.goal,
            instance.window_days,
            instance.eligibility,
            json.dumps(list(instance.features)),
            now(),
        ],
    )
    return instance


def all_instances(con: Connection) -> list[Instance]:
    rows = con.execute(
        "SELECT name, type, goal, window_days, eligibility, features FROM ai_instances "
        "ORDER BY name"
    ).fetchall()
    return [
        Instance(n, PropensityType(t), g, int(w), e, tuple(json.loads(f)))
        for n, t, g, w, e, f in rows
    ]


def _find(con: Connection, name: str) -> Instance | None:
    return next((i for i in all_instances(con) if i.name == name), None)


def find(con: Connection, name: str) -> Instance:
    found = _find(con, name)
    if found is None:
        names = [i.name for i in all_instances(con)]
        raise NotFoundError(
            f'Customer AI instance "{name}" does not exist',
            hint=did_you_mean(name, names) or "create it with `segmint ai create`",
        )
    return found


def delete(con: Connection, name: str) -> None:
    """Forget an instance, its model records, score history and the scores on profiles (the
    fields stay in the profile schema: stored fields are never dropped)."""
    find(con, name)
    con.execute("DELETE FROM ai_scores WHERE instance = ?", [name])
    con.execute("DELETE FROM ai_models WHERE instance = ?", [name])
    con.execute(f"DELETE FROM {FRAGMENTS} WHERE dataset = ?", [score_dataset(name)])
    con.execute("DELETE FROM ai_instances WHERE name = ?", [name])


def score_dataset(name: str) -> str:
    """The reserved dataset holding an instance's scores as profile fragments."""
    return f"{RESERVED_DATASET_PREFIX}{name}"
