"""The streaming service: durable, exactly-once streaming of events into one sandbox.

One long-lived ``EventStream`` per (sandbox, stream name) holds the streaming processor in
memory between calls. Each call commits ONE transaction holding the batch's events (stored as
ingestion stores them: idempotent by ``_id``, identities registered, profiles resolved), the
membership transitions the batch caused (ledger and history, cause ``streaming``) and the
stream's checkpoint. A batch is stored and fed in pieces that each start at an event merging
two profiles (``merges``), so every merge applies at its own event: the history does not
depend on how events are batched. A restart rebuilds the processor from the store and the
checkpoint, so every transition is recorded exactly once even after a crash. ``segmint stream``
and the REST API's ``/collection`` both use this class.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import accumulate, groupby, pairwise
from operator import itemgetter

from segmint.config import DEFAULT_IDENTITY_CAP
from segmint.errors import NotFoundError, UsageError, ValidationError
from segmint.evaluate.edge import EdgeSegments
from segmint.evaluate.reference import ProfileData
from segmint.evaluate.streaming import Clock, Processor, Transition
from segmint.ingest.write import records_table, write_records
from segmint.membership import stream_ledger
from segmint.membership.stream_ledger import Checkpoint
from segmint.realtime import published
from segmint.schema.arrow import IDENTITY_MAP
from segmint.store import catalog, definitions
from segmint.store.catalog import Stitching
from segmint.store.event_ids import StoredEventIds
from segmint.store.identities import KnownIdentities, newest_key
from segmint.store.profiles import profiles_of_keys_sql
from segmint.store.workspace import Workspace
from segmint.stream.calls import COLLECTION, EVERY_DATASET, RESUME_HINT, Checked, Receipt
from segmint.stream.child import ChildProcessor
from segmint.stream.intake import Intakes, Record, primary, stamp
from segmint.stream.merges import cuts, linking_names
from segmint.stream.profiles import (
    Columns,
    load_profiles,
    named_profiles,
    profiles_given_events,
    profiles_of_keys,
)
from segmint.stream.residency import DEFAULT_MAX_PROFILES, Residency, Sleepers, drop_surplus

Subscriber = Callable[[Transition], None]
#: How far past the wall clock's reading a piece arms sleepers: it moves on as they are fed.
WALL_MARGIN = timedelta(minutes=1)


class EventStream:
    """Durable streaming into one event dataset of the workspace's current sandbox.

    Use::

        stream = EventStream(workspace, "web")            # restores from the checkpoint
        receipt = stream.collect([{"_id": "e1", ...}])    # JSON-decoded events
        receipt.accepted, receipt.duplicates, receipt.transitions
        [stream.describe(t) for t in receipt.transitions]   # JSON-ready

    ``collect`` validates every event first (a ``ValidationError`` locates each problem as
    ``[index].field`` and nothing is stored), then commits the events, their transitions and
    the checkpoint in one transaction, and returns only after the commit; subscribers see the
    transitions after the commit too. Events already stored (same ``_id``) are duplicates:
    counted, not stored or evaluated again. ``advance`` moves the clock (firing window exits)
    and commits what it fires. One object per sandbox and stream name, used by one thread at a
    time: it holds the processor's state in memory between calls. After a failed commit it
    rebuilds that state from the store, so memory never runs ahead of what is recorded. It
    evaluates the segments published when it was created, and knows which events are stored
    from what it read then and stored since: create a new one after definitions change or
    another writer stores events (it restores from the checkpoint, so nothing is lost or
    recorded twice).

    ``isolated`` evaluates in a process of its own (``ChildProcessor``), on another core than
    the caller's threads; a group of events of profiles it holds goes to it before being
    stored, so both happen at once. ``close`` ends that process.
    """

    def __init__(
        self,
        workspace: Workspace,
        dataset: str,
        *,
        name: str = COLLECTION,
        clock: Clock = Clock.EVENT,
        lateness: timedelta = timedelta(0),
        identity_cap: int = DEFAULT_IDENTITY_CAP,
        source: str = "events",
        isolated: bool = False,
        every_dataset: bool = False,
        max_profiles: int = DEFAULT_MAX_PROFILES,
    ) -> None:
        self.workspace, self.name = workspace, name
        self._isolated, self._residency = isolated, Residency(max_profiles)
        #: The latest the clock reaches in the call being committed (``_load``).
        self._horizon = datetime.min
        con = workspace.con
        self._stored_ids = StoredEventIds(con)
        self.intakes = Intakes(con, name, dataset, source, every_dataset)
        self.namespaces, self.schema = self.intakes.namespaces, self.intakes.schema
        self.dataset, self.validator = self.intakes.own.dataset, self.intakes.own.validator
        try:
            self.edge, self.names = published(con)
        except NotFoundError:  # nothing to evaluate yet: events are still collected
            self.edge, self.names = EdgeSegments({}), {}
        self._columns = Columns.of(self.edge.plans.values())
        self.versions = {s.id: s.version for s in definitions.all_segments(con)}
        self._policy = catalog.merge_policy(con, None)
        self._clock, self._lateness, self._cap = clock, lateness, identity_cap
        self._subscribers: list[Subscriber] = []
        self._pending: list[Transition] = []
        #: How many of the pending transitions the ledger holds already (``_write_pending``).
        self._written = 0
        self._loaded: dict[int, ProfileData] = {}
        #: The events the group being committed stores (``stamp``), until it is fed.
        self._storing: set[tuple[object, object]] = set()
        #: What this stream has read or written, kept while the store agrees (``_regraphed``
        #: and ``_restore`` drop what may have changed): identity keys, each identity's profile.
        self._known: KnownIdentities = {}
        self._profile_of: dict[tuple[str, str], int] = {}
        #: When this object began: the batches it stores are logged since.
        self._began = catalog.now()
        #: The earliest timer of each profile held, as the store holds it (None: it holds none;
        #: ``_sleepers``: of the others): only a change is written.
        self._dues: dict[int, datetime | None] = {}
        if every_dataset:  # the server's streams before this one took a dataset each
            with workspace.transaction():
                stream_ledger.adopt(con, name, EVERY_DATASET, f"{name}:%")
        found = stream_ledger.checkpoint(con, name)
        if found is not None and found.dataset != self._checkpoint_dataset:
            reads = "every event dataset" if found.dataset == EVERY_DATASET else found.dataset
            raise UsageError(
                f'stream "{name}" reads into {reads}, not "{dataset}" alone',
                hint="give this input another stream name with --name",
            )
        self.checkpoint = found or Checkpoint(name, self._checkpoint_dataset)
        self.processor = self._restore()

    @property
    def _checkpoint_dataset(self) -> str:
        return EVERY_DATASET if self.intakes.every else self.dataset.name

    @property
    def offset(self) -> int:
        """The input position committed last: resume after it."""
        return self.checkpoint.offset

    def describe(self, transition: Transition) -> dict[str, object]:
        """A transition as JSON-ready fields (what ``--emit jsonl`` prints and an API returns)."""
        return {
            "profile": transition.profile,
            "segment": self.names.get(transition.segment, transition.segment),
            "segmentId": transition.segment,
            "status": transition.status,
            "time": transition.time.isoformat(),
            "cause": transition.cause,
            "trigger": transition.trigger.value,
        }

    def subscribe(self, callback: Subscriber) -> None:
        """Call ``callback`` with each transition once its batch is committed."""
        self._subscribers.append(callback)

    def check(self, raw: object, line: int) -> Record:
        """One decoded event validated (``line`` locates its problems), or a ValidationError."""
        record, problems = self.intakes.own.validated(raw, line)
        if record is None:
            raise ValidationError(problems, hint=RESUME_HINT)
        return record

    def collect(self, events: Sequence[object]) -> Receipt:
        """Validate a list of JSON-decoded events, then commit them durably with the
        transitions they cause. Problems are located as ``[index].field``; with any problem
        nothing is stored."""
        outcome = self.collect_all([events])[0]
        if isinstance(outcome, ValidationError):
            raise outcome
        return outcome

    def check_call(self, events: Sequence[object], dataset: str | None = None) -> Checked:
        """A call's events (into ``dataset``; None: the stream's own) validated now, to be
        committed later by ``collect_all``."""
        name = dataset or self.dataset.name
        intake = self.intakes.get(name)
        try:
            return Checked(self, events, name, intake.checked(events))
        except ValidationError as error:
            return Checked(self, events, name, error)

    def collect_all(
        self, calls: Sequence[Sequence[object] | Checked]
    ) -> list[Receipt | ValidationError]:
        """Several calls collected in ONE transaction (a group commit, for concurrent callers):
        each valid call's receipt is what collecting it alone, in this order, would give; a call
        with an invalid event stores nothing and gets its ValidationError instead. A call is
        its events (into the stream's own dataset), or them as ``check_call`` found them."""
        outcomes: list[Receipt | ValidationError | None] = []
        valid: list[tuple[list[Record], int]] = []
        sent: list[bool] = []
        datasets: list[str] = []
        offset = self.offset
        for call in calls:
            if not isinstance(call, Checked):
                call = self.check_call(call)
            elif call.stream is not self:
                call = self.check_call(call.events, call.dataset)
            if isinstance(call.outcome, ValidationError):
                outcomes.append(call.outcome)
                continue
            offset += len(call.events)
            valid.append((call.outcome, offset))
            sent.append(call.sent is self.processor)
            datasets.append(call.dataset)
            outcomes.append(None)
        receipts = iter(self.commit_all(valid, sent, datasets=datasets))
        return [next(receipts) if outcome is None else outcome for outcome in outcomes]

    def commit(self, records: list[Record], offset: int, last_line: str | None = None) -> Receipt:
        """Store validated records, feed them to the processor, and record the transitions and
        the checkpoint at ``offset`` (with the ``line_digest`` of the input line there, for
        input that is lines), all in one transaction."""
        return self.commit_all([(records, offset)], last_line=last_line)[0]

    def commit_all(
        self,
        calls: Sequence[tuple[list[Record], int]],
        sent: Sequence[bool] = (),
        *,
        last_line: str | None = None,
        datasets: Sequence[str] = (),
    ) -> list[Receipt]:
        """``commit`` for several calls (records, offset after them) in one transaction: fed
        to the processor call by call, the checkpoint at the last call's offset. The first
        calls may have been ``sent`` to the evaluation process already (``send_ahead``).
        ``datasets``: each call's (default: the stream's own)."""
        if not calls:
            return []
        offset = calls[-1][1]
        try:
            with self.workspace.transaction():
                batches = [records for records, _ in calls]
                ahead = self._feed_ahead(batches, list(sent))
                try:
                    into = list(datasets) or [self.dataset.name] * len(calls)
                    counts, ends = self._store_and_feed(batches, ahead, offset, into)
                finally:
                    self._storing = set()
                consumed = sum(len(records) for records, _ in calls)
                transitions = self._record(offset, consumed, last_line)
        except BaseException:
            self.close()
            self.processor = self._restore()
            raise
        drop_surplus(self._residency, self.processor, self._dues, self._sleepers)
        self._sleepers.committed()
        for names in (self._known, self._profile_of):
            self._residency.trim(names)
        for transition in transitions:
            for subscriber in self._subscribers:
                subscriber(transition)
        receipts, start = [], 0
        for (_, at), (added, duplicates), end in zip(calls, counts, ends, strict=True):
            receipts.append(Receipt(added, duplicates, at, transitions[start:end]))
            start = end
        return receipts

    @property
    def evaluating(self) -> bool:
        """Whether its evaluation can take calls: an evaluation process that died cannot."""
        processor = self.processor
        return not isinstance(processor, ChildProcessor) or processor.alive

    def close(self) -> None:
        """End the evaluation process, if the stream has one."""
        if isinstance(self.processor, ChildProcessor):
            self.processor.close()

    def send_ahead(self, call: Checked) -> Checked:
        """The call, its records sent now to the evaluation process if storing them cannot
        change which profile an event is of (each has one identity, resolved already to a
        profile the process holds). The caller sends calls in the order they will be
        committed, and none while a call not sent waits to be committed before them."""
        processor = self.processor
        if call.stream is not self or isinstance(call.outcome, ValidationError):
            return call
        if not isinstance(processor, ChildProcessor) or not self._resolved([call.outcome]):
            return call
        processor.feed_start(call.outcome)
        return replace(call, sent=processor)

    def _resolved(self, batches: list[list[Record]]) -> bool:
        """Whether every record has one identity, of a profile the child holds."""
        held = self.processor.profiles
        for records in batches:
            for record in records:
                profile = self._profile_of.get(primary(record))
                if len(record[IDENTITY_MAP]) != 1 or profile not in held:
                    return False
        return True

    def _feed_ahead(self, batches: list[list[Record]], sent: list[bool]) -> list[bool]:
        """Which batches are sent to the evaluation process before they are stored: those
        sent already (the first ones), and now the others if all can be (``send_ahead``)."""
        done = sum(sent)
        if not all(sent[:done]):
            raise ValueError("calls sent ahead must come before the others")
        rest = batches[done:]
        processor = self.processor
        if rest and isinstance(processor, ChildProcessor) and self._resolved(rest):
            for records in rest:
                processor.feed_start(records)
            return [True] * len(batches)
        return [True] * done + [False] * len(rest)

    def _store_and_feed(
        self, calls: list[list[Record]], ahead: list[bool], offset: int, datasets: list[str]
    ) -> tuple[list[tuple[int, int]], list[int]]:
        """Store the calls' new records (inside the transaction) and feed them to the
        processor, in pieces that each start at a merge (``merges``), so that it applies at its
        own event; the calls fed ahead (the first ones, holding no link) are waited for instead.
        Each call's (added, duplicates), and how many transitions are pending after it."""
        ends = [len(self._pending)] * len(calls)  # what advancing the clock fired comes first
        stored = any(calls)  # a call of duplicates only is logged as a batch too
        fresh, counts = (
            self._stored_ids.split(self.workspace.con, calls)
            if stored
            else (calls, [(0, 0)] * len(calls))
        )
        stored_before = sum(duplicates for _, duplicates in counts)
        queue = [(call, record) for call, records in enumerate(fresh) for record in records]
        records = [record for _, record in queue]
        edges = [0, *self._cuts(records), len(queue)]
        spans = list(pairwise(edges)) if stored else []
        for piece, (start, end) in enumerate(spans):
            into = [datasets[call] for call, _ in queue[start:end]] or datasets[:1]
            self._store(records[start:end], into, (offset, piece), stored_before)
            if piece == 0:  # the evaluation process worked on them while this piece was written
                self._finish_ahead(ahead, ends)
            for call, group in groupby(queue[start:end], key=itemgetter(0)):
                if not ahead[call]:
                    self.processor.feed([record for _, record in group])
                    ends[call] = len(self._pending)
            stored_before = 0
        if not spans:
            self._finish_ahead(ahead, ends)
        return counts, list(accumulate(ends, max))

    def _finish_ahead(self, ahead: list[bool], ends: list[int]) -> None:
        """Wait for the evaluation process to finish the calls fed to it ahead."""
        for call in (call for call, sent in enumerate(ahead) if sent):
            assert isinstance(self.processor, ChildProcessor)
            self.processor.feed_finish()
            ends[call] = len(self._pending)

    def _store(
        self, records: list[Record], into: list[str], piece: tuple[int, int], stored_before: int
    ) -> None:
        """Write one piece's records (``into``: each one's dataset) as one batch per dataset,
        and ready the profiles it names: merged ones held as they now are, unread ones read
        (both without the piece's events, fed next). ``piece``: the commit's input offset and
        the piece's number, which name its batches."""
        self._horizon = self._reach(records)
        ahead = WALL_MARGIN if self._clock is Clock.WALL else timedelta(0)
        self._sleepers.cover(self.processor, self._horizon + ahead)  # the wall clock moves on
        self._storing = {stamp(record) for record in records}
        newest = newest_key(self.workspace.con)
        by_dataset: dict[str, list[Record]] = {name: [] for name in into}
        for name, record in zip(into, records, strict=False):
            by_dataset[name].append(record)
        moved: frozenset[int] = frozenset()
        for name, kept in by_dataset.items():
            stored = write_records(
                self.workspace.con,
                self.intakes.get(name).dataset,
                records_table(self.schema, kept),
                batch_id=self._batch_id(*piece, name),
                source=f"stream:{self.name}",
                namespaces=self.namespaces,
                identity_cap=self._cap,
                known=self._known,
                stored_before=stored_before,
            )
            moved, stored_before = moved | stored.resolution.moved, 0
        again = self._regraphed(moved, self._linked_at(records)) if moved else set()
        self._prepare(records, again, newest)

    def next_due(self) -> datetime | None:
        """When the stream must next advance with no new event (its earliest timer; None:
        never), as of its last commit."""
        dues = (*self._dues.values(), self._sleepers.next_due(self.processor))
        return min((due for due in dues if due is not None), default=None)

    def profiles_streamed(self) -> int:
        """How many profiles, as they now are, hold events this object stored."""
        return profiles_given_events(
            self.workspace.con, self._policy, f"stream:{self.name}", self._began
        )

    def advance(self, to: datetime) -> Receipt:
        """Move the clock to ``to`` (naive UTC), committing the transitions that fires. The
        profiles asleep whose timers fire are read back together, as many at a time as may be
        held, each group committed (and dropped) before the next is read."""
        transitions: list[Transition] = []
        while True:
            waking = self._sleepers.due_by(self.processor, to)
            step = waking[-1][0] if len(waking) == self._sleepers.most else to
            self._sleepers.cover(self.processor, step)
            self._read({profile for _, profile in waking})
            self._horizon = step
            self.processor.advance(step)
            receipt = self.commit([], self.offset)
            transitions += receipt.transitions
            if step == to:
                return replace(receipt, transitions=transitions)

    def _batch_id(self, offset: int, piece: int, dataset: str) -> str:
        """The id of a commit's piece's batch of one dataset (the commit's input offset names
        its first piece's, of the stream's own dataset)."""
        tail = f":{piece}" if piece else ""
        if dataset != self.dataset.name:
            tail += f":{dataset}"
        digest = hashlib.sha256(f"stream:{self.name}:{offset}{tail}".encode()).hexdigest()
        return f"{dataset}-{digest[:24]}"

    def _prepare(self, records: list[Record], again: set[int], newest: int) -> None:
        """Resolve the piece's primary identities not resolved before to profiles, remember
        newly touched profiles, and read in one go the ones not in memory yet and those a merge
        changed (``again``), holding these now; none made after ``newest`` (a key) is read."""
        con, policy = self.workspace.con, self._policy
        wanted = {primary(record) for record in records}
        unknown = wanted - self._profile_of.keys()
        if unknown:  # storing the piece keyed each of its names (``register``)
            keys = {name: self._known[name] for name in unknown}
            found = profiles_of_keys(con, policy, keys.values())
            self._profile_of.update((name, found[key]) for name, key in keys.items())
            stream_ledger.touch(con, self.name, sorted(set(keys.values())))
        profiles = {self._profile_of[pair] for pair in wanted}
        self._residency.used(profiles)
        missing = profiles.difference(self.processor.profiles) | again
        self._loaded = load_profiles(con, missing, self._columns, made_after=newest, policy=policy)
        for key in sorted(again):
            self.processor.add_profile(key, self._unfed(self._loaded.pop(key)))

    def _reach(self, records: list[Record]) -> datetime:
        """The latest the clock reaches as the records are fed."""
        if self._clock is Clock.WALL:
            return datetime.now(UTC).replace(tzinfo=None)
        latest = max((record["timestamp"] for record in records), default=None)
        return datetime.min if latest is None else latest - self._lateness

    def _cuts(self, records: list[Record]) -> list[int]:
        """Where the commit's records are cut into pieces, each stored and fed alone: at each
        merge of two profiles that exist, or one over the cap (``merges``). Without
        stitching, none merge."""
        if self._policy.stitching is Stitching.NONE:
            return []
        linking = linking_names(records)
        if not linking:
            return []
        return cuts(records, *named_profiles(self.workspace.con, self._policy, linking), self._cap)

    def _linked_at(self, records: list[Record]) -> datetime:
        """When a piece's links apply: at its first event if that links identities (a merge
        starts its piece), else at the earliest; where feeding that event would move the clock
        (in event time; on the wall clock, the clock as it is)."""
        head = records[0]
        first: datetime = (
            head["timestamp"]
            if len(head[IDENTITY_MAP]) > 1
            else min(record["timestamp"] for record in records)
        )
        clock = self.processor.clock
        if clock is None:
            return first
        return max(clock, first - self._lateness) if self._clock is Clock.EVENT else clock

    def _regraphed(self, moved: frozenset[int], at: datetime) -> set[int]:
        """Profiles merged or split by the piece's links, which apply at ``at``: the clock
        moves there, and their old states are dropped; the touched ones are returned, to be
        held as they now are, exactly as a restart would rebuild them. A profile that no longer
        exists (folded into another) exits then every segment the ledger holds it realized in:
        its events now count for the profile it joined, which enters then what it is in."""
        self.processor.advance(at)
        self._write_pending()
        for key in moved:
            self.processor.forget(key)
            self._sleepers.discard(key)
        self._profile_of = {name: p for name, p in self._profile_of.items() if p not in moved}
        con = self.workspace.con
        for profile, segment in stream_ledger.realized_gone(
            con, moved, partial(profiles_of_keys_sql, self._policy)
        ):
            if segment in self.versions:
                self._pending.append(Transition(profile, segment, "exited", at, cause="merged"))
        return {p for _, p in stream_ledger.touched(con, self.name, moved)}

    def _resolve(self, event: Record) -> int:
        return self._profile_of[primary(event)]

    def _load(self, key: object) -> ProfileData:
        """A profile ``_prepare`` read for the piece, else (one woken by its timer) read now,
        with the others asleep whose timers fire by the horizon; as it was before the piece
        being stored: the processor is fed the piece's events one call after the other, so a
        call is evaluated as if committed alone, not with the events of the calls after it."""
        profile = int(str(key))
        if profile not in self._loaded:
            due = self._sleepers.due_by(self.processor, self._horizon)
            self._read({profile, *(asleep for _, asleep in due)})
        found = self._loaded.pop(profile, None)
        return ProfileData() if found is None else self._unfed(found)

    def _read(self, profiles: set[int]) -> None:
        """Read these profiles from the store for the processor to load."""
        if profiles:
            found = load_profiles(self.workspace.con, profiles, self._columns, policy=self._policy)
            self._loaded.update(found)

    def _unfed(self, found: ProfileData) -> ProfileData:
        """A stored profile without the events of the piece being stored: they are fed next."""
        fresh = self._storing
        if not fresh:
            return found
        return replace(found, events=[e for e in found.events if stamp(e) not in fresh])

    def _write_pending(self) -> None:
        """Write the transitions pending since the last write to the ledger (inside the
        transaction): before a merge, so it finds what the commit's earlier events realized."""
        fresh = self._pending[self._written :]
        for cause in sorted({t.cause for t in fresh}):  # a merged exit ends its pair's rows
            rows = [
                (int(str(t.profile)), t.segment, t.status, t.time, self.versions[t.segment])
                for t in fresh
                if t.cause == cause
            ]
            stream_ledger.append(self.workspace.con, rows, f"stream:{self.name}", cause)
        self._written = len(self._pending)

    def _record(self, offset: int, consumed: int, last_line: str | None) -> list[Transition]:
        """Write the pending transitions and the new checkpoint (inside the transaction)."""
        self._write_pending()
        transitions = list(self._pending)
        self._pending.clear()
        self._written = 0
        processor = self.processor
        evaluated = {int(str(key)): due for key, due in processor.evaluated().items()}
        self._residency.used(evaluated)
        stored, held = self._dues, processor.profiles
        changed = [(k, due) for k, due in evaluated.items() if k not in stored or stored[k] != due]
        stream_ledger.save_timers(self.workspace.con, self.name, changed)
        for profile, due in evaluated.items():  # a profile read back or merged away is unknown
            if profile in held:
                stored[profile] = due
            else:
                stored.pop(profile, None)
        self.checkpoint = replace(
            self.checkpoint,
            offset=offset,
            last_line=last_line or self.checkpoint.last_line,
            clock=processor.clock,
            latest=processor.latest,
            events=self.checkpoint.events + consumed,
        )
        stream_ledger.save(self.workspace.con, self.checkpoint)
        return transitions

    def _restore(self) -> Processor | ChildProcessor:
        """The processor as the store and checkpoint say: the clock where the ledger stands
        (where it stopped, or later if another stream or a segment job recorded since), and
        every profile the stream has touched asleep until its earliest pending timer, so its
        windows lapse on time; profiles are read back only then, or when an event of them
        arrives (nothing recorded is emitted again)."""
        con = self.workspace.con
        self.checkpoint = stream_ledger.checkpoint(con, self.name) or Checkpoint(
            self.name, self._checkpoint_dataset
        )
        self._pending.clear()
        self._written = 0
        self._known.clear()
        self._profile_of.clear()
        kind = (
            partial(ChildProcessor, self.edge, self.names, self._columns.events)
            if self._isolated
            else partial(Processor, self.edge)
        )
        processor = kind(
            clock=self._clock, lateness=self._lateness, resolve=self._resolve, load=self._load
        )
        processor.subscribe(self._pending.append)
        processor.resume(stream_ledger.recorded_until(con), self.checkpoint.latest)
        stored = partial(stream_ledger.soonest_timers, con, self.name)
        self._dues, self._sleepers = {}, Sleepers(self._residency.limit, stored)
        return processor
