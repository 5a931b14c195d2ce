"""The relations a compiled segment reads, and what a plan variable stands for in SQL."""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot.expressions as sge

#: ``profile_id`` plus the merged profile's top-level columns, one row per profile.
PROFILES = "seg_profiles"
#: ``profile_id`` plus every event column, only events with ``timestamp <= as_of``.
EVENTS = "seg_events"
#: ``segment`` (id and name rows) and ``profile_id``: who is realized in which segment.
MEMBERS = "seg_members"
#: ``profile_id`` plus one column per event aggregate a job shares (``Compiler.share``): one
#: row per profile with some event any of them counts.
AGGREGATES = "seg_aggregates"
PROFILE_ALIAS = "p"


@dataclass(frozen=True)
class Binding:
    """A plan variable in SQL: an events row (``row`` alias) or a lambda parameter / value."""

    expression: sge.Expr
    row: str | None = None


def row(alias: str) -> Binding:
    return Binding(sge.column("*", table=alias), row=alias)
