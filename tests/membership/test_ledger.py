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
    assert run(workspace, [1, 2, 3], T3, "j3") == ledger.Transitions(qualified=3, entered=1, exited=0)
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
        (1, "realized", T1), (2, "realized", T1), (1, "exited", T2), (3, "realized", T2), (1, "realized", T3),
    ]


def test_exited_members_stay_exited_without_new_history(workspace: Workspace) -> None:
    run(workspace, [1], T1, "j1")
    run(workspace, [], T2, "j2")
    assert run(workspace, [], T3, "j3") == ledger.Transitions(qualified=0, entered=0, exited=0)
    status = workspace.con.execute("SELECT status, last_qualification_time FROM memberships").fetchall()
    assert status == [("exited", T1)]
    assert workspace.con.execute("SELECT count(*) FROM membership_history").fetchone() == (2,)
