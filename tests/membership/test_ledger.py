"""The ledger turns each job's qualifying profiles into statuses and a transition history."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from segmint.membership import ledger
from segmint.store.workspace import Workspace

T1, T2, T3 = datetime(2026, 5, 1), datetime(2026, 5, 2), datetime(2026, 5, 3)


def run(ws: Workspace, profiles: list[int], as_of: datetime, job: str) -> ledger.Transitions:
    ws.con.register("qualified", pa.table({"profile_id": pa.array(profiles, pa.int64())}))
    try:
        return ledger.record(ws.con, "seg-1", 1, "qualified", as_of, job)
    finally:
        ws.con.unregister("qualified")


def test_entries_exits_and_requalification(workspace: Workspace) -> None:
    assert run(workspace, [1, 2], T1, "j1") == ledger.Transitions(qualified=2, entered=2, exited=0)
    assert run(workspace, [2, 3], T2, "j2") == ledger.Transitions(qualified=2, entered=1, exited=1)
    assert run(workspace, [1, 2, 3], T3, "j3") == ledger.Transitions(
        qualified=3, entered=1, exited=0
    )
    members = workspace.con.execute(
        "SELECT profile_id, status, entered_at, last_qualification_time, job_id FROM memberships ORDER BY 1"
    ).fetchall()
    assert members == [
        (1, "realized", T3, T3, "j3"),
        (2, "realized", T1, T3, "j3"),
        (3, "realized", T2, T3, "j3"),
    ]
    history = workspace.con.execute(
        "SELECT profile_id, status, changed_at FROM membership_history ORDER BY changed_at, profile_id"
    ).fetchall()
    assert history == [
        (1, "realized", T1),
        (2, "realized", T1),
        (1, "exited", T2),
        (3, "realized", T2),
        (1, "realized", T3),
    ]


def test_exited_members_stay_exited_without_new_history(workspace: Workspace) -> None:
    run(workspace, [1], T1, "j1")
    run(workspace, [], T2, "j2")
    assert run(workspace, [], T3, "j3") == ledger.Transitions(qualified=0, entered=0, exited=0)
    status = workspace.con.execute(
        "SELECT status, last_qualification_time FROM memberships"
    ).fetchall()
    assert status == [("exited", T1)]
    assert workspace.con.execute("SELECT count(*) FROM membership_history").fetchone() == (2,)


def run_job(ws: Workspace, results: list[tuple[str, int]], versions: dict[str, int], as_of: datetime,
            job: str) -> dict[str, ledger.Transitions]:  # fmt: skip
    ws.con.register(
        "results",
        pa.table({"segment_id": pa.array([s for s, _ in results], pa.string()),
                  "profile_id": pa.array([p for _, p in results], pa.int64())}),
    )  # fmt: skip
    try:
        return ledger.record_job(ws.con, versions, "results", as_of, job)
    finally:
        ws.con.unregister("results")


def test_one_write_for_many_segments(workspace: Workspace) -> None:
    moved = run_job(workspace, [("a", 1), ("a", 2), ("b", 2)], {"a": 1, "b": 1, "c": 1}, T1, "j1")
    assert moved == {
        "a": ledger.Transitions(qualified=2, entered=2, exited=0),
        "b": ledger.Transitions(qualified=1, entered=1, exited=0),
        "c": ledger.Transitions(qualified=0, entered=0, exited=0),
    }
    moved = run_job(workspace, [("a", 1), ("b", 3)], {"a": 1, "b": 1}, T2, "j2")
    assert moved["a"] == ledger.Transitions(qualified=1, entered=0, exited=1)
    assert moved["b"] == ledger.Transitions(qualified=1, entered=1, exited=1)
    rows = workspace.con.execute(
        "SELECT segment_id, profile_id, status, entered_at, last_qualification_time "
        "FROM memberships ORDER BY 1, 2"
    ).fetchall()
    assert rows == [
        ("a", 1, "realized", T1, T2), ("a", 2, "exited", T1, T1),
        ("b", 2, "exited", T1, T1), ("b", 3, "realized", T2, T2),
    ]  # fmt: skip


def test_unchanged_rows_are_not_rewritten(workspace: Workspace) -> None:
    """Re-running at the same as_of and version changes nothing; a new version or as_of
    rewrites the rows (``job_id``: the job that last changed a row)."""
    run_job(workspace, [("a", 1)], {"a": 1}, T1, "j1")
    assert run_job(workspace, [("a", 1)], {"a": 1}, T1, "j2") == {
        "a": ledger.Transitions(qualified=1, entered=0, exited=0)
    }
    job_of = "SELECT job_id, version, last_qualification_time FROM memberships"
    assert workspace.con.execute(job_of).fetchall() == [("j1", 1, T1)]
    run_job(workspace, [("a", 1)], {"a": 2}, T1, "j3")
    assert workspace.con.execute(job_of).fetchall() == [("j3", 2, T1)]
    run_job(workspace, [("a", 1)], {"a": 2}, T2, "j4")
    assert workspace.con.execute(job_of).fetchall() == [("j4", 2, T2)]
    assert workspace.con.execute("SELECT count(*) FROM membership_history").fetchone() == (1,)
