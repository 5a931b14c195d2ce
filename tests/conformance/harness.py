"""Batch against the reference: run a set of definitions both ways over one workspace.

Batch is the real segment job (``segments.evaluate``: job relations, compiled SQL, ledger); the
reference interpreter runs on every profile built from the store (``profiles.merged_profile``,
``profiles.profile_events``) with the segments the reference itself realized earlier in the same
job, in dependency order, so a segment of segments is checked on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from segmint import segments
from segmint.evaluate.reference import ProfileData
from segmint.evaluate.reference import evaluate as reference_evaluate
from segmint.ingest.pipeline import ingest_file
from segmint.plan.dependencies import evaluation_order
from segmint.schema.model import SchemaClass
from segmint.store import catalog, definitions, profiles
from segmint.store.definitions import SegmentSpec
from segmint.store.workspace import Workspace
from tests.conftest import write_jsonl

#: (segment name, PQL); a definition may use ``inSegment`` on a name listed before it.
Definition = tuple[str, str]


@dataclass(frozen=True)
class Mismatch:
    """One profile on which batch and the reference disagree about one definition."""

    name: str
    pql: str
    as_of: datetime
    profile_id: int
    batch: bool
    reference: bool
    profile: ProfileData

    def __str__(self) -> str:
        return (
            f"{self.name}: {self.pql}\n  as_of {self.as_of.isoformat()} profile {self.profile_id}:"
            f" batch {self.batch}, reference {self.reference}\n"
            f"  attributes {self.profile.attributes}\n  events {self.profile.events}\n"
            f"  segments {sorted(s for s in self.profile.segments if len(s) != 36)}"
        )


def identity(namespace: str, value: str, primary: bool = True) -> dict[str, Any]:
    return {namespace: [{"id": value, "primary": primary}]}


def ingest(
    workspace: Workspace,
    folder: Path,
    crm: Sequence[dict[str, Any]],
    events: Sequence[dict[str, Any]],
) -> None:
    """CRM records into ``crm`` and events into ``web`` through the real ingestion path."""
    folder.mkdir(parents=True, exist_ok=True)
    if crm:
        ingest_file(workspace, write_jsonl(folder / "crm.jsonl", crm), "crm")
    if events:
        ingest_file(workspace, write_jsonl(folder / "web.jsonl", events), "web")


def define(workspace: Workspace, corpus: Sequence[Definition]) -> None:
    """Create the definitions not created yet (in order, so references resolve)."""
    known = {segment.name for segment in definitions.all_segments(workspace.con)}
    for name, pql in corpus:
        if name not in known:
            segments.create(workspace.con, SegmentSpec(name, pql))


def profile_ids(workspace: Workspace) -> list[int]:
    rows = workspace.con.execute(
        "SELECT DISTINCT profile_id FROM identity_profiles ORDER BY 1"
    ).fetchall()
    return [int(row[0]) for row in rows]


def load_profiles(workspace: Workspace) -> dict[int, tuple[dict[str, Any], list[Any]]]:
    """Every profile's merged attributes and events, as the store gives them out."""
    con = workspace.con
    schema = catalog.schema(con, SchemaClass.PROFILE)
    policy = catalog.merge_policy(con)
    return {
        pid: (
            profiles.merged_profile(con, schema, policy, pid),
            profiles.profile_events(con, policy, pid),
        )
        for pid in profile_ids(workspace)
    }


def batch_members(
    workspace: Workspace, corpus: Sequence[Definition], as_of: datetime
) -> dict[str, set[int]]:
    """Run one segment job over the corpus and read the realized members from the ledger."""
    names = [name for name, _ in corpus]
    with workspace.transaction() as con:
        segments.evaluate(con, names, as_of)
    rows = workspace.con.execute(
        "SELECT s.name, m.profile_id FROM memberships m JOIN segments s ON s.id = m.segment_id "
        "WHERE m.status = 'realized'"
    ).fetchall()
    members: dict[str, set[int]] = {name: set() for name in names}
    for name, pid in rows:
        if name in members:
            members[name].add(int(pid))
    return members


def reference_members(
    workspace: Workspace,
    corpus: Sequence[Definition],
    as_of: datetime,
    loaded: dict[int, tuple[dict[str, Any], list[Any]]],
) -> tuple[dict[str, set[int]], dict[int, set[str]]]:
    """The reference's members per definition, and per profile the segments realized before
    each definition's turn (what its ``inSegment`` saw)."""
    plans = {name: segments.compile_pql(workspace.con, pql) for name, pql in corpus}
    ids = {segment.name: segment.id for segment in definitions.all_segments(workspace.con)}
    realized: dict[int, set[str]] = {pid: set() for pid in loaded}
    members: dict[str, set[int]] = {}
    for name in evaluation_order(plans, {name: name for name in plans}):
        members[name] = set()
        for pid, (attributes, events) in loaded.items():
            profile = ProfileData(attributes, events, frozenset(realized[pid]))
            if reference_evaluate(plans[name], profile, as_of):
                members[name].add(pid)
        for pid in members[name]:
            realized[pid] |= {name, ids[name]}
    return members, realized


def run_both(
    workspace: Workspace, corpus: Sequence[Definition], instants: Sequence[datetime]
) -> list[Mismatch]:
    """Define the corpus, evaluate it at every instant both ways, and list the disagreements."""
    define(workspace, corpus)
    loaded = load_profiles(workspace)
    found: list[Mismatch] = []
    pql = dict(corpus)
    for as_of in instants:
        batch = batch_members(workspace, corpus, as_of)
        reference, realized = reference_members(workspace, corpus, as_of, loaded)
        for name, _ in corpus:
            for pid in sorted(batch[name] ^ reference[name]):
                attributes, events = loaded.get(pid, ({}, []))
                found.append(
                    Mismatch(
                        name,
                        pql[name],
                        as_of,
                        pid,
                        pid in batch[name],
                        pid in reference[name],
                        ProfileData(attributes, events, frozenset(realized.get(pid, set()))),
                    )
                )
    return found
