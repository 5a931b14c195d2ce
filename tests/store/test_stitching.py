"""Identity stitching through real ingestion: merges, conflicts kept out, the cap, lookups."""

from __future__ import annotations

from pathlib import Path

from segmint.ingest.pipeline import ingest_file
from segmint.store import identities
from segmint.store.workspace import Workspace
from tests.conftest import count, event, write_csv, write_jsonl


def profile_of(ws: Workspace, identity: str) -> int:
    return identities.lookup(ws.con, *identities.parse_identity(identity))[1]


def test_transitive_merge_moves_all_history(workspace: Workspace, tmp_path: Path) -> None:
    ingest_file(
        workspace,
        write_jsonl(
            tmp_path / "a.jsonl",
            [
                event("e1", "2026-01-01T10:00:00Z", ecid="d1"),
                event("e2", "2026-01-02T10:00:00Z", ecid="d2"),
                event("e3", "2026-01-03T10:00:00Z", ecid="d1", email="ann@x.com"),
            ],
        ),
        "web",
    )
    assert profile_of(workspace, "ecid:d1") != profile_of(workspace, "ecid:d2")
    ingest_file(
        workspace,
        write_jsonl(
            tmp_path / "b.jsonl",
            [
                event("e4", "2026-01-04T10:00:00Z", ecid="d2", email="ann@x.com"),
            ],
        ),
        "web",
    )
    merged = {profile_of(workspace, i) for i in ("ecid:d1", "ecid:d2", "email:ann@x.com")}
    assert len(merged) == 1
    events = workspace.con.execute(
        "SELECT count(*) FROM events e JOIN identity_profiles p USING (identity_key) WHERE p.profile_id = ?",
        list(merged),
    ).fetchone()
    assert events == (4,)


def test_shared_device_never_merges_two_customers(workspace: Workspace, tmp_path: Path) -> None:
    header = ["identityMap.crmId", "identityMap.email", "person.name.firstName"]
    ingest_file(
        workspace,
        write_csv(
            tmp_path / "crm.csv", header, [["C1", "ann@x.com", "Ann"], ["C2", "bob@x.com", "Bob"]]
        ),
        "crm",
    )
    ingest_file(
        workspace,
        write_jsonl(
            tmp_path / "web.jsonl",
            [
                event("e1", "2026-01-01T10:00:00Z", ecid="shared", email="ann@x.com"),
                event("e2", "2026-01-02T10:00:00Z", ecid="shared", email="bob@x.com"),
            ],
        ),
        "web",
    )
    assert profile_of(workspace, "crmId:C1") != profile_of(workspace, "crmId:C2")
    assert profile_of(workspace, "ecid:shared") == profile_of(workspace, "crmId:C1")
    (issue,) = workspace.con.execute("SELECT kind, namespace FROM identity_issues").fetchall()
    assert issue[0] == "kept_out" and issue[1] in ("crmId", "email")
    graph = identities.graph_of(workspace.con, "crmId", "C2")
    assert graph["issues"][0]["reason"].startswith(f"would put {issue[1]} keys")


def test_junk_email_on_many_crm_records_is_kept_out(workspace: Workspace, tmp_path: Path) -> None:
    header = ["identityMap.crmId", "identityMap.email"]
    rows = [[f"C{i}", "test@test.com"] for i in range(4)]
    report = ingest_file(workspace, write_csv(tmp_path / "crm.csv", header, rows), "crm")
    assert report.graph is not None
    assert (report.graph.profiles, report.graph.kept_out) == (4, 3)


def test_graph_cap_evicts_the_oldest_identity(workspace: Workspace, tmp_path: Path) -> None:
    records = [event(f"e{i}", f"2026-01-0{i}T10:00:00Z", ecid=f"d{i}") for i in range(1, 4)]
    login = event("e4", "2026-01-04T10:00:00Z", email="ann@x.com")
    login["identityMap"]["ecid"] = [{"id": f"d{i}"} for i in range(1, 4)]
    records += [login, event("e5", "2026-01-05T10:00:00Z", email="ann@x.com", ecid="d4")]
    report = ingest_file(
        workspace, write_jsonl(tmp_path / "a.jsonl", records), "web", identity_cap=3
    )
    assert report.graph is not None and report.graph.evicted == 2
    evicted = workspace.con.execute(
        "SELECT x.id FROM identity_issues i JOIN identities x ON x.identity_key = i.a "
        "WHERE kind = 'evicted' ORDER BY x.id"
    ).fetchall()
    assert evicted == [("d1",), ("d2",)]
    assert profile_of(workspace, "ecid:d4") == profile_of(workspace, "email:ann@x.com")
    assert profile_of(workspace, "ecid:d1") != profile_of(workspace, "email:ann@x.com")
    assert count(workspace, "events") == 5


def test_identities_and_links_are_as_old_as_the_record_that_first_named_them(
    workspace: Workspace, tmp_path: Path
) -> None:
    """A later record of the same file, late, shows the same device and link earlier: both
    keep the time of the record that named them first, as if the records came in two files."""
    records = [
        event("e1", "2026-01-02T10:00:00Z", ecid="d1", email="ann@x.com"),
        event("e2", "2026-01-01T08:00:00Z", ecid="d1", email="ann@x.com"),
    ]
    ingest_file(workspace, write_jsonl(tmp_path / "a.jsonl", records), "web")
    seen = workspace.con.execute(
        "SELECT strftime(first_seen, '%d %H') FROM identities ORDER BY identity_key"
    ).fetchall()
    assert seen == [("02 10",), ("02 10",)]
    linked = workspace.con.execute("SELECT strftime(seen_at, '%d %H') FROM identity_links")
    assert linked.fetchall() == [("02 10",)]


def test_profile_lookup_by_any_identity(workspace: Workspace, tmp_path: Path) -> None:
    header = ["identityMap.crmId", "identityMap.email", "identityMap.phone"]
    ingest_file(
        workspace, write_csv(tmp_path / "crm.csv", header, [["C1", "ann@x.com", "+3161234"]]), "crm"
    )
    ids = {profile_of(workspace, i) for i in ("crmId:C1", "email:ann@x.com", "phone:+3161234")}
    assert len(ids) == 1
