"""The stream reads many stored profiles in one go (``segmint.stream.profiles``): each as the
store gives it out alone, merged across its identities' fragments, with its own events only."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from segmint.ingest.pipeline import ingest_file
from segmint.plan.bind import bind
from segmint.pql import parse
from segmint.schema.model import SchemaClass
from segmint.store import catalog, identities, profiles
from segmint.store.catalog import AttributeMerge, MergePolicy, Stitching
from segmint.store.workspace import Workspace
from segmint.stream.profiles import Columns, load_profiles
from tests.conftest import event, write_csv, write_jsonl

HEADER = ["identityMap.crmId", "identityMap.email", "person.name.firstName", "loyalty.tier"]
PEOPLE = 20
UNTIL = datetime(2026, 3, 2, 12)  # the first two days of events, the second at this instant


def _load(ws: Workspace, tmp_path: Path) -> None:
    """People known by crmId and email in crm, the even ones by email again in loyalty (a
    newer fragment), each with events by email (linking an ecid) on March 1st, 2nd and 3rd."""
    crm = [[f"C{n}", f"p{n}@x.com", f"Name{n}", "silver"] for n in range(PEOPLE)]
    loyalty = [["", f"p{n}@x.com", "", "gold"] for n in range(0, PEOPLE, 2)]
    ingest_file(ws, write_csv(tmp_path / "crm.csv", HEADER, crm), "crm")
    ingest_file(ws, write_csv(tmp_path / "loyalty.csv", HEADER, loyalty), "loyalty")
    events = [
        event(f"e{n}-{day}", f"2026-03-0{day}T12:00:00Z", "search", email=f"p{n}@x.com",
              ecid=f"ecid-{n}")
        for n in range(PEOPLE) for day in (1, 2, 3)
    ]  # fmt: skip
    ingest_file(ws, write_jsonl(tmp_path / "web.jsonl", events), "web")


@pytest.mark.parametrize("given", [False, True], ids=["default", "given"])
@pytest.mark.parametrize("stitching", [Stitching.GRAPH, Stitching.NONE])
@pytest.mark.parametrize("count", [1, 3, PEOPLE])
@pytest.mark.parametrize(
    ("merge", "datasets"),
    [
        (AttributeMerge.TIMESTAMP, ()),
        (AttributeMerge.DATASET, ("crm", "loyalty")),
        (AttributeMerge.DATASET, ("loyalty",)),
    ],
)
def test_each_profile_is_what_the_store_gives_for_it_alone(
    workspace: Workspace,
    tmp_path: Path,
    stitching: Stitching,
    count: int,
    merge: AttributeMerge,
    datasets: tuple[str, ...],
    given: bool,
) -> None:
    """Merged by the newest fragment or by dataset precedence (a dataset not listed is not
    merged at all), as the store's merge query gives each profile: under the default policy,
    or under the one given (as a stream gives the one it resolves profiles with)."""
    _load(workspace, tmp_path)
    con = workspace.con
    policy = MergePolicy("chosen", merge, datasets, stitching)
    catalog.create_merge_policy(con, policy)
    if not given:
        catalog.set_default_merge_policy(con, policy.name)
    wanted = []
    for n in range(count):
        key, profile = identities.lookup(con, "email", f"p{n}@x.com")
        wanted.append(key if stitching is Stitching.NONE else profile)
    columns = Columns(frozenset({"_id", "timestamp", "eventType", "channel"}),
                      frozenset({"person", "loyalty"}))  # fmt: skip
    schema = catalog.schema(con, SchemaClass.PROFILE)
    loaded = load_profiles(con, wanted, columns, until=UNTIL, policy=policy if given else None)
    assert loaded.keys() == set(wanted)
    for profile in wanted:
        alone = profiles.merged_profile(con, schema, policy, profile)
        assert loaded[profile].attributes == {k: alone[k] for k in columns.profile if k in alone}
        events = [
            {k: e[k] for k in sorted(columns.events) if k in e}
            for e in profiles.profile_events(con, policy, profile)
            if e["timestamp"] <= UNTIL
        ]
        assert loaded[profile].events == events
        assert len(events) == 2


def test_only_the_events_of_the_types_the_segments_read_are_read(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Page views no segment reads are not read for it (the processor would not keep them);
    a segment reading every event reads them all."""
    records = [
        event("s1", "2026-03-01T10:00:00Z", "search", email="a@x.com"),
        event("v1", "2026-03-01T11:00:00Z", email="a@x.com"),
        event("s2", "2026-03-01T12:00:00Z", "search", email="a@x.com"),
    ]
    ingest_file(workspace, write_jsonl(tmp_path / "web.jsonl", records), "web")
    con = workspace.con
    _, profile = identities.lookup(con, "email", "a@x.com")

    def read(pql: str) -> list[object]:
        schemas = (catalog.schema(con, SchemaClass.PROFILE), catalog.schema(con, SchemaClass.EVENT))
        plan = bind(parse(pql), *schemas)
        loaded = load_profiles(con, [profile], Columns.of([plan]))
        return [e["_id"] for e in loaded[profile].events]

    assert read('xEvent[eventType = "search"].count() > 0') == ["s1", "s2"]
    assert read("xEvent.count() > 2") == ["s1", "v1", "s2"]
