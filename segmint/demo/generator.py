"""The entry points: a seeded retail data set as Arrow tables, or written as the four files.

Each stage draws from its own random stream (spawned from the seed), so the output depends on
the seed and sizes only, and a change in one stage does not reshuffle the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from segmint.demo.catalog import campaigns
from segmint.demo.crm import crm_table
from segmint.demo.events import PURCHASE, Events, email_events, session_events
from segmint.demo.identities import sample_identities
from segmint.demo.people import sample_people
from segmint.demo.sessions import APP, EMAIL, WEB, sample_sessions
from segmint.demo.tables import TableBuilder
from segmint.demo.writer import write_files
from segmint.errors import UsageError
from segmint.files import folder_for_writing

DEFAULT_END = datetime(2026, 11, 1, tzinfo=UTC)
FIRST_ORDER = 40_000_000
Progress = Callable[[str, int, int], None]
_TABLE_STEPS = ("people", "visits", "events", "tables")
_FILE_COUNT = 4


@dataclass(frozen=True)
class DemoTables:
    people: int
    crm: pa.Table
    web: pa.Table
    app: pa.Table
    email: pa.Table

    @property
    def events(self) -> int:
        return int(self.web.num_rows + self.app.num_rows + self.email.num_rows)


@dataclass(frozen=True)
class DemoFiles:
    crm: Path
    web: Path
    app: Path
    email: Path
    people: int
    crm_records: int
    web_events: int
    app_events: int
    email_events: int

    @property
    def events(self) -> int:
        return self.web_events + self.app_events + self.email_events


def generate_tables(
    profiles: int = 10_000,
    seed: int = 7,
    days: int = 180,
    end: datetime = DEFAULT_END,
    progress: Progress | None = None,
    visit_rate: float = 1.0,
) -> DemoTables:
    """``profiles`` people (known and anonymous) active over the ``days`` days before ``end``;
    ``visit_rate`` scales how often they visit (and so the web and app events per person)."""
    with _system_allocator():
        report = _reporter(progress, len(_TABLE_STEPS))
        return _tables(profiles, seed, days, end, report, visit_rate)


def generate(
    out_dir: Path,
    profiles: int = 10_000,
    seed: int = 7,
    days: int = 180,
    end: datetime = DEFAULT_END,
    progress: Progress | None = None,
    visit_rate: float = 1.0,
) -> DemoFiles:
    """Write crm.csv, web.jsonl, app.parquet and email.jsonl into ``out_dir``."""
    folder_for_writing(out_dir)
    report = _reporter(progress, len(_TABLE_STEPS) + _FILE_COUNT)
    with _system_allocator():
        tables = _tables(profiles, seed, days, end, report, visit_rate)
        files = DemoFiles(
            crm=out_dir / "crm.csv",
            web=out_dir / "web.jsonl",
            app=out_dir / "app.parquet",
            email=out_dir / "email.jsonl",
            people=tables.people,
            crm_records=tables.crm.num_rows,
            web_events=tables.web.num_rows,
            app_events=tables.app.num_rows,
            email_events=tables.email.num_rows,
        )
        jobs = [
            (tables.crm, files.crm),
            (tables.web, files.web),
            (tables.app, files.app),
            (tables.email, files.email),
        ]
        write_files(jobs, lambda path: report(path.name))
        return files


def _tables(
    profiles: int,
    seed: int,
    days: int,
    end: datetime,
    report: Callable[[str], None],
    visit_rate: float = 1.0,
) -> DemoTables:
    if profiles < 1 or days < 1 or not visit_rate > 0:
        raise UsageError(
            f"cannot generate {profiles} profiles over {days} days at visit rate {visit_rate}",
            hint="use at least 1 profile and 1 day, and a visit rate above 0",
        )
    end = end.replace(tzinfo=UTC) if end.tzinfo is None else end.astimezone(UTC)
    begin = end - timedelta(days=days)
    begin_ms, end_ms = _ms(begin), _ms(end)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(7)]
    people = sample_people(streams[0], profiles, begin_ms, end_ms)
    identities = sample_identities(streams[1], people)
    report("people")
    sessions = sample_sessions(streams[2], people, identities, visit_rate)
    report("visits")
    visits = session_events(streams[3], sessions, identities)
    sends = campaigns(begin, end)
    mails = email_events(streams[4], people, identities, [(n, _ms(at)) for n, at in sends], end_ms)
    late = visits.timestamp_ms >= end_ms  # the tail of a visit that runs past the end
    visits = _number_orders(replace(visits, channel=np.where(late, -1, visits.channel)))
    report("events")
    builder = TableBuilder(streams[5], people, identities, [name for name, _ in sends])
    tables = DemoTables(
        people=profiles,
        crm=crm_table(streams[6], people, identities, begin_ms),
        web=builder.table(visits, WEB),
        app=builder.table(visits, APP),
        email=builder.table(mails, EMAIL),
    )
    report("tables")
    return tables


def _number_orders(events: Events) -> Events:
    """Order numbers rise with time across channels, as a shop's order sequence does."""
    purchases = np.flatnonzero(events.kind == PURCHASE)
    order = events.order.copy()
    order[purchases[np.argsort(events.timestamp_ms[purchases], kind="stable")]] = (
        FIRST_ORDER + np.arange(len(purchases))
    )
    return replace(events, order=order)


@contextmanager
def _system_allocator() -> Iterator[None]:
    """Allocate Arrow memory with malloc while generating.

    Arrow's default pool (mimalloc) hands freed memory back to the OS at once; building
    chunk after chunk then faults fresh (huge) pages all the time, which made table building
    several times slower on the 2-core benchmark VM. malloc reuses freed memory.
    """
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _reporter(progress: Progress | None, total: int) -> Callable[[str], None]:
    done = 0

    def report(step: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(step, done, total)

    return report
