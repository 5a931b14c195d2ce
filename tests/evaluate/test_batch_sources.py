"""Batch job relations: the merged profile holds only what the job's definitions read, stored
members stay within the job's profiles (a sample, for estimates), and the job's event
aggregates share one grouped pass."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from segmint import segments
from segmint.evaluate.batch import sources
from segmint.evaluate.batch.compiler import Compiler
from segmint.store.definitions import SegmentSpec
from segmint.store.workspace import Workspace
from tests.conformance.harness import identity, ingest
from tests.evaluate.helpers import EVENT, PROFILE, plan

AS_OF = datetime(2026, 11, 1)


def _kept(*texts: str) -> set[str]:
    return set(sources.needed_schema(PROFILE, [plan(text) for text in texts]).fields)


def test_only_the_leaves_read_are_merged() -> None:
    assert _kept('homeAddress.countryCode = "US"', "person.birthYear < 1980") == {
        "homeAddress.countryCode",
        "person.birthYear",
    }
    assert _kept('person.favoriteColors.intersects(["red"])') == {"person.favoriteColors[]"}


def test_an_object_read_whole_keeps_every_leaf_under_it() -> None:
    kept = _kept('homeAddress.isNotNull() and homeAddress.countryCode = "US"')
    assert kept == {path for path in PROFILE.fields if path.startswith("homeAddress.")}
    orders = _kept("exists O from person.orders : O.price > 10")
    assert orders == {"person.orders[].storeId", "person.orders[].price"}


def test_an_estimate_of_stored_members_counts_only_sampled_profiles(
    workspace: Workspace, tmp_path: Path
) -> None:
    crm = [{"identityMap": identity("crmId", f"c{i}"), "homeAddress": {"countryCode": "US"}}
           for i in range(40)]  # fmt: skip
    ingest(workspace, tmp_path / "in", crm, [])
    con = workspace.con
    segments.create(con, SegmentSpec("us", 'homeAddress.countryCode = "US"'))
    with workspace.transaction():
        segments.evaluate(con, ["us"], AS_OF)  # all 40 stored as realized members
    estimate = segments.estimate_size(con, 'inSegment("us")', AS_OF, sample=10)
    assert (estimate.matched, estimate.sampled, estimate.estimated) == (10, 10, 40)


def test_a_job_shares_one_grouped_pass_among_its_event_aggregates() -> None:
    compiler = Compiler(AS_OF, PROFILE, EVENT)
    one = plan('xEvent[eventType = "a"].count() > 2')
    assert compiler.grouped.share([one]) is None  # a single aggregate keeps its own pass
    two = plan('xEvent[eventType = "b"].count() >= 3 or not (xEvent[eventType = "a"].count() > 2)')
    shared = compiler.grouped.share([one, two])
    assert shared is not None
    assert len(shared.expressions) == 3  # profile_id and the two aggregates, "a" once
    assert "seg_aggregates" in compiler.segment_query(two).sql("duckdb")


def test_a_sample_is_the_same_every_time_and_reads_only_its_profiles(
    workspace: Workspace, tmp_path: Path
) -> None:
    crm = [{"identityMap": identity("crmId", f"c{i}"), "homeAddress": {"countryCode": "US"}}
           for i in range(60)]  # fmt: skip
    events = [{"_id": f"e{i}", "timestamp": "2026-10-01T00:00:00Z", "eventType": "search",
               "identityMap": identity("crmId", f"c{i}")} for i in range(60)]  # fmt: skip
    ingest(workspace, tmp_path / "in", crm, events)
    con = workspace.con
    sampled = []
    for _ in range(3):
        segments.estimate_size(con, 'xEvent[eventType = "search"].count() > 0', AS_OF, sample=20)
        sampled.append(
            sorted(row[0] for row in con.execute("SELECT profile_id FROM seg_sample").fetchall())
        )
    assert len(sampled[0]) == 20 and sampled[0] == sampled[1] == sampled[2]
    owners = con.execute("SELECT DISTINCT profile_id FROM seg_events ORDER BY 1").fetchall()
    assert [row[0] for row in owners] == sampled[0]
