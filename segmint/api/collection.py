"""Streaming collection for ``/collection``: one durable event stream per sandbox, taking the
events of every event dataset (``EventStream(every_dataset=True)``: a profile's memberships
read its events of all of them), kept between requests so the streaming processor's state
stays in memory.

Each stream reads and writes through a connection of its own and is used under the service's
write lock, one commit at a time. It is trusted only while it made the sandbox's last write: any
other write (a batch upload, a definition change, a merge policy) may have changed what its
profiles or segments are, so the next call rebuilds it from the store and its checkpoint.

Concurrent calls to one stream are committed together (a group commit): a call that finds the
stream busy waits in line, and whoever commits next takes every call waiting, up to
``GROUP_EVENTS`` events, into one transaction. Each call still gets its own receipt, and is
answered only once its events are durable; a commit's fixed cost is paid once per group.
A call validates its events before it joins the line, while others commit. A group that fails
unexpectedly (not a call's invalid events, which fail alone) is committed again call by call,
so that only a call that fails on its own gets the error.

Each stream evaluates in a process of its own (``EventStream(isolated=True)``), on the second
core. A call of profiles the stream holds is sent there as it joins the line
(``EventStream.send_ahead``), so it is evaluated while the calls before it are stored and
committed; its own commit then finds it done. Calls are sent in line order, and none while a
call that was not sent (a new identity, a link, a stream rebuilt) waits before it or is being
committed: evaluation follows the order of the commits. A commit takes what is waiting at
once: waiting for more callers to join would leave the evaluating process idle.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field

from segmint.api.service import Service
from segmint.errors import SegmintError, ValidationError
from segmint.store import catalog
from segmint.store.workspace import Workspace
from segmint.stream.calls import COLLECTION, Checked, Receipt
from segmint.stream.intake import event_dataset
from segmint.stream.service import EventStream

#: The most events one group commit takes from the calls waiting (at least one call).
GROUP_EVENTS = 2_000


@dataclass
class _Held:
    stream: EventStream
    connection: ExitStack
    #: The sandbox's data version right after this stream's last call.
    version: int


@dataclass
class _Call:
    dataset: str
    events: Sequence[object]
    #: The events as the stream found them before the call joined the line (None: no stream
    #: was open yet; the commit validates them).
    checked: Checked | None = None
    #: Set by the commit that took the call: its receipt and segment names, or its error.
    outcome: tuple[Receipt, dict[str, str]] | BaseException | None = None
    #: Whether it is committed in a group of its own (its group failed).
    alone: bool = False


@dataclass
class _Line:
    """The calls waiting for one stream, and the turn to commit them."""

    waiting: list[_Call] = field(default_factory=list)
    turn: threading.Lock = field(default_factory=threading.Lock)
    #: Whether the group being committed has a call not sent ahead (evaluated after it is
    #: stored): no call may be sent before it is.
    blocked: bool = False

    def sendable(self, stream: EventStream) -> bool:
        """Whether a call joining now may be sent ahead to the stream's evaluation: every call
        before it was."""
        processor = stream.processor
        return not self.blocked and all(_sent_to(call) is processor for call in self.waiting)

    def take(self) -> list[_Call]:
        """The group to commit: the calls waiting first, up to ``GROUP_EVENTS`` events (one
        call to be committed alone goes alone)."""
        size, count = 0, 0
        for call in self.waiting:
            if count and (call.alone or size + len(call.events) > GROUP_EVENTS):
                break
            size, count = size + len(call.events), count + 1
            if call.alone:
                break
        group, self.waiting = self.waiting[:count], self.waiting[count:]
        return group


def _checked(held: _Held, call: _Call) -> Checked:
    """The call as the stream to commit it found it (checked now if it was not)."""
    if call.checked is not None and call.checked.stream is held.stream:
        return call.checked
    return held.stream.check_call(call.events, call.dataset)


def _sent_to(call: _Call) -> object:
    return call.checked.sent if call.checked is not None else None


class Collectors:
    def __init__(self, service: Service, max_profiles: int) -> None:
        self._service, self._max_profiles = service, max_profiles
        self._streams: dict[str, _Held] = {}
        self._lines: dict[str, _Line] = {}
        self._guard = threading.Lock()

    def collect(
        self, sandbox: str, dataset: str, events: Sequence[object]
    ) -> tuple[Receipt, dict[str, str]]:
        """Validate and durably commit ``events`` into ``dataset``; returns after the commit,
        with the names of the stream's segments by id."""
        call = _Call(dataset, events)
        with self._guard:
            held = self._streams.get(sandbox)
            line = self._lines.setdefault(sandbox, _Line())
        if held is not None:
            call.checked = held.stream.check_call(events, dataset)
        else:  # a call into no event dataset fails alone, before it joins the line
            with self._service.session(sandbox, write=False) as workspace:
                event_dataset(catalog.datasets(workspace.con), dataset)
        with self._guard:
            checked, current = call.checked, self._streams.get(sandbox)
            if checked is not None and current is held and line.sendable(checked.stream):
                call.checked = checked.stream.send_ahead(checked)
            line.waiting.append(call)
        with line.turn:
            while call.outcome is None:
                self._commit_waiting(sandbox, line)
        if isinstance(call.outcome, BaseException):
            raise call.outcome
        return call.outcome

    def _commit_waiting(self, sandbox: str, line: _Line) -> None:
        """Commit the calls waiting first, as one group; each gets its own outcome."""
        with self._guard:
            group = line.take()
            held = self._streams.get(sandbox)
            processor = held.stream.processor if held is not None else None
            line.blocked = any(_sent_to(call) is not processor for call in group)
        try:
            with self._service.writing(sandbox, keys=False):
                held = self._current(sandbox, group[0].dataset, line)
                try:
                    outcomes = held.stream.collect_all([_checked(held, call) for call in group])
                finally:
                    held.version = self._service.data_version(sandbox) + 1  # this session's end
        except BaseException as error:
            if (
                len(group) > 1
                and isinstance(error, Exception)
                and not isinstance(error, SegmintError)
            ):
                for call in group:
                    call.alone = True
                with self._guard:
                    line.waiting[:0] = group  # first again, each alone
                return
            for call in group:
                call.outcome = error
            return
        finally:
            with self._guard:
                line.blocked = False
        names = held.stream.names
        for call, outcome in zip(group, outcomes, strict=True):
            call.outcome = outcome if isinstance(outcome, ValidationError) else (outcome, names)

    def close(self) -> None:
        for held in self._streams.values():
            held.connection.close()
        self._streams.clear()

    def _current(self, sandbox: str, dataset: str, line: _Line) -> _Held:
        """The sandbox's stream (made with ``dataset`` if new), rebuilt if another write came
        since its last call or its evaluation process died while idle (the calls then need
        not fail); then no call is sent ahead to it until the group being committed is fed."""
        key = sandbox
        held = self._streams.get(key)
        current = held is not None and held.version == self._service.data_version(sandbox)
        if held is not None and current and held.stream.evaluating:
            return held
        with self._guard:
            self._streams.pop(key, None)
            line.blocked = True
        if held is not None:
            held.connection.close()
        connection = ExitStack()
        try:
            workspace = Workspace(
                self._service.workspace.path, connection.enter_context(self._service.cursor())
            )
            workspace.use(sandbox)
            stream = EventStream(
                workspace, dataset, name=COLLECTION, isolated=True, every_dataset=True,
                max_profiles=self._max_profiles,
            )  # fmt: skip
            connection.callback(stream.close)
        except BaseException:
            connection.close()
            raise
        held = _Held(stream, connection, self._service.data_version(sandbox))
        with self._guard:
            self._streams[key] = held
        return held
