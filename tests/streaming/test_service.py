"""The streaming service behind ``/collection``: a call commits its events with their
transitions and returns a receipt; bad events are located by index and field and nothing of
the call is stored; a new service on the same workspace picks up where the last one stopped."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from segmint.cli.main import app
from segmint.errors import NotFoundError, UsageError, ValidationError
from segmint.schema.fields import FieldType
from segmint.schema.model import Schema, SchemaClass
from segmint.store import catalog
from segmint.store.workspace import Workspace
from segmint.stream import service
from segmint.stream.calls import Receipt
from segmint.stream.service import EventStream
from tests.conftest import count, event

RECENT = 'xEvent[eventType = "search" and timestamp occurs <= 7 days before now].count() > 0'


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return searchers_workspace(tmp_path / "ws")


def history(workspace: Workspace) -> list[tuple[object, ...]]:
    return workspace.con.execute(
        "SELECT status, changed_at FROM membership_history ORDER BY changed_at"
    ).fetchall()


def test_collect_commits_events_and_transitions_once(workspace: Workspace) -> None:
    with workspace:
        stream = EventStream(workspace, "web")
        seen: list[str] = []
        stream.subscribe(lambda t: seen.append(t.status))
        batch = [
            event("a1", "2026-01-01T10:00:00Z", "search", ecid="A"),
            event("b1", "2026-01-02T10:00:00Z", "pageView", ecid="B"),
        ]
        receipt = stream.collect(batch)
        assert (receipt.accepted, receipt.duplicates, receipt.offset) == (2, 0, 2)
        assert [t.status for t in receipt.transitions] == seen == ["entered"]
        again = stream.collect(batch)
        assert (again.accepted, again.duplicates, again.transitions) == (0, 2, [])
        assert count(workspace, "events") == 2
        logged = workspace.con.execute(
            "SELECT records, added, duplicates FROM batches ORDER BY ingested_at"
        ).fetchall()
        assert logged == [(2, 2, 0), (2, 0, 2)]
        exited = stream.advance(datetime(2026, 1, 20))
        assert [t.status for t in exited.transitions] == ["exited"]
        assert [status for status, _ in history(workspace)] == ["realized", "exited"]

        restarted = EventStream(workspace, "web")
        assert restarted.offset == 4 and not restarted.processor.profiles
        assert restarted.advance(datetime(2026, 2, 1)).transitions == []
        assert len(history(workspace)) == 2


def test_invalid_events_are_located_and_nothing_is_stored(workspace: Workspace) -> None:
    with workspace:
        stream = EventStream(workspace, "web")
        good = event("g1", "2026-01-01T10:00:00Z", "search", ecid="A")
        bad = {"_id": "x1", "eventType": "search", "identityMap": {"ecid": [{"id": "B"}]}}
        huge = {**good, "_id": "h1", "productListItems": [{"quantity": 2**63}]}
        future = {**good, "_id": "f1", "timestamp": "2099-01-01T00:00:00Z"}
        with pytest.raises(ValidationError) as caught:
            stream.collect([good, bad, "not an event", huge, future])
        located = [str(problem) for problem in caught.value.problems]
        assert located[:3] == [
            "field [1].timestamp: is required for every event",
            "field [2]: expected a JSON object (one event)",
            "field [3].productListItems[0].quantity: expected an integer from "
            f"{-(2**63)} to {2**63 - 1}, got {2**63}",
        ]
        assert located[3].startswith("field [4].timestamp: 2099-01-01T00:00:00Z is in the future")
        assert count(workspace, "events") == 0 and stream.offset == 0


def test_the_schema_still_grows_nested_fields_of_indexed_events(workspace: Workspace) -> None:
    """DuckDB cannot alter a nested column of an indexed table (streaming indexed events by
    ``_id`` before it kept their hashes in memory), so adding one drops and recreates the
    index around the change."""
    with workspace:
        stream = EventStream(workspace, "web")
        stream.collect([event("a1", "2026-01-01T10:00:00Z", "search", ecid="A")])
        workspace.con.execute("CREATE INDEX events_by_id ON events (_id)")
        extension = Schema(SchemaClass.EVENT, {"commerce.order.coupon": FieldType.STRING})
        with workspace.transaction() as con:
            assert catalog.apply_schema(con, extension) == ["commerce.order.coupon"]
        indexes = workspace.con.execute(
            "SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'events' "
            "AND schema_name = current_schema()"
        ).fetchone()
        assert indexes == (1,)
        again = EventStream(workspace, "web").collect(
            [event("a1", "2026-01-01T10:00:00Z", "search", ecid="A")]
        )
        assert (again.accepted, again.duplicates) == (0, 1)


def test_events_checked_by_an_older_stream_are_checked_again(workspace: Workspace) -> None:
    """A call validated ahead of its commit is trusted only by the stream that checked it:
    after the schema grows, a new stream checks the call against the schema as it is now."""
    with workspace:
        old = EventStream(workspace, "web")
        coupon = event("c1", "2026-01-01T10:00:00Z", "search", ecid="A")
        coupon["commerce"] = {"order": {"coupon": "SAVE10"}}
        checked = old.check_call([coupon])
        assert isinstance(checked.outcome, ValidationError)
        extension = Schema(SchemaClass.EVENT, {"commerce.order.coupon": FieldType.STRING})
        with workspace.transaction() as con:
            catalog.apply_schema(con, extension)
        [receipt] = EventStream(workspace, "web").collect_all([checked])
        assert isinstance(receipt, Receipt) and receipt.accepted == 1
        [refused] = old.collect_all([checked])
        assert isinstance(refused, ValidationError)


def test_a_group_commit_answers_each_call_as_if_committed_alone(tmp_path: Path) -> None:
    """Calls committed together (``collect_all``) get the receipts, transitions and stored
    events that committing them one after the other gives; an invalid call stores nothing."""
    earlier = [event("x0", "2026-01-01T09:00:00Z", "search", ecid="D")]
    calls: list[list[object]] = [
        [
            event("a1", "2026-01-01T10:00:00Z", "search", ecid="A"),
            event("b1", "2026-01-01T10:01:00Z", "search", ecid="B"),
        ],
        [{"_id": "bad", "eventType": "search", "identityMap": {"ecid": [{"id": "B"}]}}],
        [
            event("a1", "2026-01-01T10:00:00Z", "search", ecid="A"),
            event("c1", "2026-01-01T10:02:00Z", "search", ecid="C"),
            event("c1", "2026-01-01T10:02:00Z", "search", ecid="C"),
            event("x0", "2026-01-01T09:00:00Z", "search", ecid="D"),
            event("a2", "2026-01-01T10:03:00Z", "pageView", ecid="A"),
        ],
    ]
    outcomes: dict[str, list[object]] = {}
    for mode in ("alone", "together"):
        with searchers_workspace(tmp_path / mode) as workspace:
            stream = EventStream(workspace, "web")
            stream.collect(earlier)
            if mode == "together":
                found = stream.collect_all(calls)
            else:
                found = []
                for call in calls:
                    try:
                        found.append(stream.collect(call))
                    except ValidationError as error:
                        found.append(error)
            outcomes[mode] = [summary(outcome) for outcome in found] + [
                count(workspace, "events"),
                history(workspace),
            ]
    assert outcomes["together"] == outcomes["alone"]
    assert outcomes["together"][:3] == [
        (
            2,
            0,
            3,
            [("entered", datetime(2026, 1, 1, 10, 0)), ("entered", datetime(2026, 1, 1, 10, 1))],
        ),
        ["field [0].timestamp: is required for every event"],
        (2, 3, 8, [("entered", datetime(2026, 1, 1, 10, 2))]),
    ]


def test_a_person_new_in_a_group_is_evaluated_call_by_call(tmp_path: Path) -> None:
    """A person first seen in a group commit is read as before the group, then each call's
    events are fed in turn: the (late) search enters them with the second call, not the
    first."""
    calls: list[Sequence[object]] = [
        [event("n1", "2026-01-01T10:05:00Z", "pageView", ecid="N")],
        [event("n2", "2026-01-01T10:00:00Z", "search", ecid="N")],
    ]
    with searchers_workspace(tmp_path / "ws") as workspace:
        found = EventStream(workspace, "web").collect_all(calls)
    assert [summary(outcome) for outcome in found] == [
        (1, 0, 1, []),
        (1, 0, 2, [("entered", datetime(2026, 1, 1, 10, 5))]),
    ]


def searchers_workspace(path: Path, **segments: str) -> Workspace:
    """A workspace with a web event dataset and "Recent searchers", and these segments (name:
    PQL)."""
    runner = CliRunner()
    for args in (
        ["init"],
        ["dataset", "create", "web", "--class", "event"],
        ["segment", "create", "Recent searchers", "--pql", RECENT],
        *(["segment", "create", name, "--pql", pql] for name, pql in segments.items()),
    ):
        result = runner.invoke(app, ["--workspace", str(path), *args])
        assert result.exit_code == 0, result.output
    opened = Workspace.open(path)
    opened.use("prod")
    return opened


def summary(outcome: object) -> object:
    if isinstance(outcome, ValidationError):
        return [str(problem) for problem in outcome.problems]
    assert isinstance(outcome, Receipt)
    moves = [(t.status, t.time) for t in outcome.transitions]
    return (outcome.accepted, outcome.duplicates, outcome.offset, moves)


def test_a_profile_folded_into_another_exits_its_segments(workspace: Workspace) -> None:
    """Two searchers are in the segment; an event linking their identities merges them: the
    profile that no longer exists exits (cause ``merged``), the merged one stays in."""
    with workspace:
        stream = EventStream(workspace, "web")
        stream.collect(
            [
                event("a1", "2026-01-01T10:00:00Z", "search", ecid="A"),
                event("b1", "2026-01-01T10:01:00Z", "search", email="b@x.com"),
            ]
        )
        linked = stream.collect(
            [event("l1", "2026-01-01T11:00:00Z", "pageView", ecid="A", email="b@x.com")]
        )
        assert [(t.status, t.cause, t.time) for t in linked.transitions] == [
            ("exited", "merged", datetime(2026, 1, 1, 11, 0))
        ]
        rows = workspace.con.execute(
            "SELECT m.status, count(*) FROM memberships m GROUP BY 1 ORDER BY 1"
        ).fetchall()
        assert rows == [("exited", 1), ("realized", 1)]
        causes = workspace.con.execute(
            "SELECT status, cause FROM membership_history ORDER BY changed_at, status"
        ).fetchall()
        assert causes == [
            ("realized", "streaming"),
            ("realized", "streaming"),
            ("exited", "merged"),
        ]
        survivor = workspace.con.execute(
            "SELECT DISTINCT profile_id FROM identity_profiles"
        ).fetchall()
        realized = workspace.con.execute(
            "SELECT profile_id FROM memberships WHERE status = 'realized'"
        ).fetchall()
        assert realized == survivor


def test_a_restart_reads_profiles_back_only_when_their_timer_fires(workspace: Workspace) -> None:
    """A restarted stream holds no profile in memory, only each one's next timer: the searcher
    is read back when its window lapses and exits then, once; the other profile, with nothing
    pending, is never read back."""
    with workspace:
        EventStream(workspace, "web").collect(
            [
                event("a1", "2026-01-01T10:00:00Z", "search", ecid="A"),
                event("b1", "2026-01-02T10:00:00Z", "pageView", ecid="B"),
            ]
        )
        restarted = EventStream(workspace, "web")
        assert not restarted.processor.profiles
        assert restarted.advance(datetime(2026, 1, 5)).transitions == []
        assert not restarted.processor.profiles
        exited = restarted.advance(datetime(2026, 1, 20)).transitions
        assert [(t.status, t.time) for t in exited] == [
            ("exited", datetime(2026, 1, 8, 10, 0, 0, 1))
        ]
        assert len(restarted.processor.profiles) == 1
        again = EventStream(workspace, "web")
        assert again.advance(datetime(2026, 3, 1)).transitions == []
        assert [status for status, _ in history(workspace)] == ["realized", "exited"]


@pytest.mark.parametrize("restarted", [False, True])
def test_profiles_asleep_are_read_back_together_when_their_timers_fire(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, restarted: bool
) -> None:
    """Holding two profiles in memory, five searchers streamed one call each leave three
    asleep (dropped after a commit; after a restart, all five); moving the clock past every
    window reads the sleepers back two at a time (as many as may be held), each group
    committed before the next is read, and the two then least recently used dropped (so they
    sleep and are read back in turn): memory stays bounded, and each exits when its own
    window lapses."""
    reads: list[set[int]] = []
    loading = service.load_profiles

    def counted(con: Any, profiles: set[int], *args: Any, **kwargs: Any) -> Any:
        reads.append(set(profiles))
        return loading(con, profiles, *args, **kwargs)

    monkeypatch.setattr(service, "load_profiles", counted)
    with workspace:
        stream = EventStream(workspace, "web", max_profiles=2)
        for day, person in enumerate("ABCDE", start=1):
            stream.collect(
                [event(f"{person}1", f"2026-01-0{day}T10:00:00Z", "search", ecid=person)]
            )
        assert len(stream.processor.profiles) == 2
        if restarted:
            stream = EventStream(workspace, "web", max_profiles=2)
        reads.clear()
        exited = stream.advance(datetime(2026, 1, 20)).transitions
        assert [t.time for t in exited] == [
            datetime(2026, 1, day, 10, 0, 0, 1) for day in (8, 9, 10, 11, 12)
        ]
        assert [len(read) for read in reads] == [2, 2, 1]
        assert len(stream.processor.profiles) == 2


def test_a_profile_merged_away_while_asleep_never_wakes(tmp_path: Path) -> None:
    """Holding one profile, searchers A, B and C sleep in the store until their window lapses;
    D and E, who never searched, are in "Never searched". A call links A and B (B is folded
    into A), then D and E (a second piece), then moves the clock past the windows: B exits
    once, merged, and its timer goes with it, so no later piece wakes it as an empty profile
    of its own (which would enter "Never searched")."""
    never = 'xEvent[eventType = "search"].count() = 0'
    with searchers_workspace(tmp_path / "ws", never=never) as workspace:
        stream = EventStream(workspace, "web", max_profiles=1)
        people = [("ecid", "A"), ("email", "b@x.com"), ("ecid", "C"), ("ecid", "D")]
        for number, (namespace, person) in enumerate([*people, ("email", "e@x.com")]):
            kind = "search" if number < 3 else "pageView"
            at = f"2026-01-01T10:0{number}:00Z"
            stream.collect([event(f"s{number}", at, kind, **{namespace: person})])
        linked = stream.collect(
            [
                event("l1", "2026-01-01T11:00:00Z", "pageView", ecid="A", email="b@x.com"),
                event("l2", "2026-01-01T12:00:00Z", "pageView", ecid="D", email="e@x.com"),
                event("c2", "2026-01-09T00:00:00Z", "search", ecid="C"),
            ]
        )
        assert [
            (stream.describe(t)["segment"], t.status, t.cause, t.time) for t in linked.transitions
        ] == [
            ("Recent searchers", "exited", "merged", datetime(2026, 1, 1, 11)),
            ("never", "exited", "merged", datetime(2026, 1, 1, 12)),
            ("Recent searchers", "exited", "streaming", datetime(2026, 1, 8, 10, 1, 0, 1)),
            ("Recent searchers", "exited", "streaming", datetime(2026, 1, 8, 10, 2, 0, 1)),
            ("Recent searchers", "entered", "streaming", datetime(2026, 1, 9)),
        ]
        lapsed = stream.advance(datetime(2026, 2, 1)).transitions
        assert [(t.status, t.time) for t in lapsed] == [
            ("exited", datetime(2026, 1, 16, 0, 0, 0, 1))
        ]
        assert workspace.con.execute("SELECT count(*) FROM stream_timers").fetchall() == [(0,)]


def test_a_stream_starts_where_the_ledger_stands(workspace: Workspace) -> None:
    """The ledger is one timeline: a new stream (another name) starts at the latest instant a
    stream or a segment job recorded, and applies older events then (late), so it never dates
    a transition before one already recorded, nor records again what a duplicate caused."""
    with workspace:
        first = EventStream(workspace, "web")
        first.collect([event("a1", "2026-01-01T10:00:00Z", "search", ecid="A")])
        first.advance(datetime(2026, 1, 20))
        recorded = history(workspace)
        assert [status for status, _ in recorded] == ["realized", "exited"]
        backfill = EventStream(workspace, "web", name="backfill")
        older = [event("a2", "2026-01-05T10:00:00Z", "search", ecid="A")]
        assert backfill.collect(older).transitions == []  # out of the window at Jan 20
        again = EventStream(workspace, "web", name="replay")
        assert again.collect([event("a1", "2026-01-01T10:00:00Z", "search", ecid="A")]) == (
            Receipt(0, 1, 1, [])
        )
        assert not again.processor.profiles  # a duplicate is not evaluated again
        assert history(workspace) == recorded
    runner = CliRunner()
    job = runner.invoke(app, ["--workspace", str(workspace.path), "evaluate", "--all",
                              "--as-of", "2026-02-01T00:00:00Z"])  # fmt: skip
    assert job.exit_code == 0, job.output
    with Workspace.open(workspace.path) as reopened:
        reopened.use("prod")
        late = EventStream(reopened, "web", name="late")
        found = late.collect([event("b1", "2026-01-30T10:00:00Z", "search", ecid="B")])
        assert [(t.status, t.time) for t in found.transitions] == [
            ("entered", datetime(2026, 2, 1))
        ]


def test_a_duplicate_naming_new_identities_is_only_counted(workspace: Workspace) -> None:
    """An ``_id`` stored already, sent again under an identity never seen: a duplicate (not
    stored, so its identity is not either), not a profile to evaluate."""
    with workspace:
        stream = EventStream(workspace, "web")
        stream.collect([event("n1", "2026-01-01T10:00:00Z", "search", email="new1@x.com")])
        again = stream.collect([event("n1", "2026-01-01T10:00:00Z", "search", email="new2@x.com")])
        assert again == Receipt(0, 1, 2, [])


def test_a_merged_profile_enters_when_the_link_applies(workspace: Workspace) -> None:
    """A searcher (ecid M1) is linked at 05:00 to a profile that had only a page view: the
    searcher's profile exits (merged) and the one it joined enters, both at 05:00, never
    earlier (the link did not exist before)."""
    with workspace:
        stream = EventStream(workspace, "web")
        stream.collect([event("b1", "2026-01-01T00:30:00Z", "pageView", email="b@x.com")])
        entered = stream.collect([event("m1", "2026-01-01T01:00:00Z", "search", ecid="M1")])
        assert [(t.status, t.time) for t in entered.transitions] == [
            ("entered", datetime(2026, 1, 1, 1))
        ]
        linked = stream.collect(
            [event("l1", "2026-01-01T05:00:00Z", "pageView", ecid="M1", email="b@x.com")]
        )
        at = datetime(2026, 1, 1, 5)
        assert sorted((t.status, t.cause, t.time) for t in linked.transitions) == [
            ("entered", "streaming", at),
            ("exited", "merged", at),
        ]


def test_without_links_the_history_does_not_depend_on_the_batches(tmp_path: Path) -> None:
    """The same events (out of order, duplicated) committed one by one, seven at a time or all
    at once record the same entries and exits: a batch only groups the commits. (A batch's
    identity links apply from its first event, so with links the batches would matter.)"""
    rng = random.Random(5)
    events = []
    for number in range(120):
        hour = min(200, max(0, number * 2 + rng.randrange(-6, 4)))  # some arrive late
        kind = rng.choice(["search", "search", "pageView"])
        stamp = f"2026-01-{1 + hour // 24:02}T{hour % 24:02}:00:00Z"
        events.append(event(f"e{number}", stamp, kind, ecid=f"d{rng.randrange(6)}"))
    events += rng.sample(events, 10)  # sent again
    histories = []
    for size in (1, 7, len(events)):
        with searchers_workspace(tmp_path / f"ws{size}") as workspace:
            stream = EventStream(workspace, "web")
            for start in range(0, len(events), size):
                stream.collect(events[start : start + size])
            stream.advance(datetime(2026, 1, 20))
            histories.append(sorted(workspace.con.execute(
                "SELECT x.id, h.status, h.changed_at FROM membership_history h "
                "JOIN identities x ON x.identity_key = h.profile_id"  # keys follow arrival
            ).fetchall()))  # fmt: skip
    assert histories[0] and histories[0] == histories[1] == histories[2]


@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "evaluation-process"])
def test_with_links_the_history_does_not_depend_on_the_batches(
    tmp_path: Path, isolated: bool
) -> None:
    """Searchers on devices and by email, linked at times by events naming both (some
    profiles merge, some only gain an identity): committed one by one, seven at a time or all
    at once, the same entries and exits at the same instants, as each link applies at its own
    event, never from the start of the batch it came in (test_batching_property.py adds
    late, tied and repeated events). The same again one by one holding one profile in memory:
    the others are read back from the store when an event or a timer wakes them."""
    rng = random.Random(11)
    events = []
    for number in range(150):
        kind = rng.choice(["search", "pageView", "pageView"])
        stamp = f"2026-01-{1 + number // 12:02}T{number % 12 * 2:02}:00:00Z"
        person = rng.randrange(5)
        names = {"ecid": f"d{person}"} if rng.random() < 0.6 else {"email": f"p{person}@x.com"}
        if rng.random() < 0.08:
            names = {"ecid": f"d{person}", "email": f"p{person}@x.com"}
        events.append(event(f"e{number}", stamp, kind, **names))
    events += rng.sample(events, 10)  # sent again
    histories = []
    for size, held in ((1, 100), (7, 100), (len(events), 100), (1, 1)):
        with searchers_workspace(tmp_path / f"ws{size}-{held}") as workspace:
            stream = EventStream(workspace, "web", isolated=isolated, max_profiles=held)
            try:
                for start in range(0, len(events), size):
                    stream.collect(events[start : start + size])
                    assert len(stream.processor.profiles) <= held
                stream.advance(datetime(2026, 1, 30))
            finally:
                stream.close()
            histories.append(sorted(workspace.con.execute(
                "SELECT x.id, h.status, h.changed_at FROM membership_history h "
                "JOIN identities x ON x.identity_key = h.profile_id"
            ).fetchall()))  # fmt: skip
    assert any(status == "exited" for _, status, _ in histories[0])
    assert histories[0] == histories[1] == histories[2] == histories[3]


def test_next_due_is_the_earliest_timer_of_any_profile_and_survives_a_restart(
    workspace: Workspace,
) -> None:
    """What a paused stream waits for: the earliest instant at which any profile must be
    looked at again, moved by each commit, read back from the store by a restarted stream."""
    with workspace:
        stream = EventStream(workspace, "web")
        assert stream.next_due() is None
        stream.collect([event("a1", "2026-01-01T10:00:00Z", "search", ecid="A")])
        first = datetime(2026, 1, 8, 10, 0, 0, 1)
        assert stream.next_due() == first
        stream.collect([event("b1", "2026-01-02T10:00:00Z", "search", ecid="B")])
        stream.collect([event("a2", "2026-01-03T10:00:00Z", "search", ecid="A")])
        assert stream.next_due() == first  # A is looked at again then (and stays in)
        restarted = EventStream(workspace, "web")
        assert restarted.next_due() == first
        restarted.advance(datetime(2026, 1, 8, 12))
        assert restarted.next_due() == datetime(2026, 1, 9, 10, 0, 0, 1)  # B's window
        restarted.advance(datetime(2026, 1, 9, 12))
        assert restarted.next_due() == datetime(2026, 1, 10, 10, 0, 0, 1)  # A's, from a2
        restarted.advance(datetime(2026, 2, 1))
        assert restarted.next_due() is None


def test_a_stream_name_keeps_the_datasets_it_reads_into(workspace: Workspace) -> None:
    """A named stream reads into one dataset, or (the server's) into every event dataset:
    the same name for other datasets is refused with a way out."""
    with workspace:
        catalog.create_dataset(workspace.con, catalog.Dataset("app", SchemaClass.EVENT))
        for stream in (
            EventStream(workspace, "web", name="clicks"),
            EventStream(workspace, "web", name="server", every_dataset=True),
        ):
            stream.collect([event(f"{stream.name}1", "2026-01-01T10:00:00Z", ecid="A")])
        for name, reads in (("clicks", "web"), ("server", "every event dataset")):
            with pytest.raises(UsageError) as refused:
                EventStream(workspace, "app", name=name)
            assert str(refused.value).startswith(f'stream "{name}" reads into {reads}, not "app"')
            assert "--name" in str(refused.value.hint)
        every = EventStream(workspace, "app", name="server", every_dataset=True)
        assert every.collect([event("a1", "2026-01-01T10:00:00Z", "search", ecid="A")]).accepted
        with pytest.raises(UsageError, match='reads into dataset "app" only'):
            EventStream(workspace, "app", name="alone").check_call([], "web")


def test_checking_a_call_into_another_dataset_leaves_the_connection_alone(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check_call`` runs without the commit's lock, beside a commit on the same connection
    (which two threads may not use at once): a stream of every dataset knows them all from
    the start, so checking a call into one not used before reads nothing."""
    with workspace:
        catalog.create_dataset(workspace.con, catalog.Dataset("app", SchemaClass.EVENT))
        stream = EventStream(workspace, "web", every_dataset=True)
        connection = workspace.con
        monkeypatch.setattr(workspace, "con", None)
        checked = stream.check_call([event("a1", "2026-01-01T10:00:00Z", ecid="A")], "app")
        assert (checked.dataset, len(checked.outcome)) == ("app", 1)
        with pytest.raises(NotFoundError, match='dataset "nope" does not exist'):
            stream.check_call([], "nope")
        monkeypatch.setattr(workspace, "con", connection)
        assert stream.collect_all([checked])[0] == Receipt(1, 0, 1, [])


def test_the_server_stream_adopts_the_per_dataset_streams_before_it(
    workspace: Workspace,
) -> None:
    """The server kept a stream per dataset (``collection:web``, ...) before one took every
    dataset: the new one takes over their profiles, timers and clock, so a window they left
    pending still lapses on time, once. A file's stream of that name is left alone."""
    with workspace:
        catalog.create_dataset(workspace.con, catalog.Dataset("app", SchemaClass.EVENT))
        for dataset, person, day in (("web", "A", 1), ("app", "B", 3)):
            old = EventStream(workspace, dataset, name=f"collection:{dataset}")
            old.collect([event(f"{person}1", f"2026-01-0{day}T10:00:00Z", "search", ecid=person)])
        replayed = EventStream(workspace, "web", name="collection:file")
        replayed.commit([], 1, last_line="a line's digest")
        server = EventStream(workspace, "web", every_dataset=True)
        assert server.next_due() == datetime(2026, 1, 8, 10, 0, 0, 1)  # A's window, from web
        assert (server.checkpoint.offset, server.checkpoint.clock) == (2, datetime(2026, 1, 3, 10))
        streams = workspace.con.execute("SELECT stream FROM stream_checkpoints ORDER BY 1")
        assert streams.fetchall() == [("collection",), ("collection:file",)]
        assert len(server.advance(datetime(2026, 1, 9, 12)).transitions) == 1
        again = EventStream(workspace, "app", every_dataset=True)
        assert again.next_due() == datetime(2026, 1, 10, 10, 0, 0, 1)  # B's, from app
        assert len(again.advance(datetime(2026, 2, 1)).transitions) == 1
        assert EventStream(workspace, "web", every_dataset=True).next_due() is None
        assert [(status, at.day) for status, at in history(workspace)] == [
            ("realized", 1), ("realized", 3), ("exited", 8), ("exited", 10),
        ]  # fmt: skip
