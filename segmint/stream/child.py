"""Streaming evaluation in a child process, beside the process that stores the events.

A server's threads share one interpreter lock: parsing, validating and storing events take one
core, and evaluating the segments is as much work again. ``ChildProcessor`` runs the unchanged
``Processor`` in a child process (spawned: it inherits no lock and no database handle) and
talks to it over a pipe, so evaluation uses the second core: while the child evaluates some
events, the parent's threads take in and store others. Events can be sent before earlier
ones are finished; the child answers in order.

Calls with no answer (``resume``, ``sleep``, ``forget``, ``add_profile``) travel with the next
call that has one. The child asks for each profile it must load (an event of a profile it does
not hold, a timer waking a sleeping one) and the parent, waiting for its answer, reads it from
the store. The transitions each answer carries go to the parent's subscribers, in order. A
child that dies raises ``EvaluationLost``, an error in the child ``EvaluationFailed`` with its
traceback: either way the caller's transaction rolls back and a new child is built from the
store.
"""

from __future__ import annotations

import multiprocessing
import queue
import signal
import threading
import traceback
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from multiprocessing.connection import Connection
from typing import Any

from segmint.collector import long_lived
from segmint.errors import SegmintError
from segmint.evaluate.edge import EdgeSegments
from segmint.evaluate.reference import ProfileData
from segmint.evaluate.streaming import Clock, Processor, Transition
from segmint.evaluate.streaming.processor import ProfileKey, Subscriber
from segmint.evaluate.streaming.state import Event
from segmint.plan.nodes import Plan

#: One call to the child's processor: a method's name and its arguments.
Call = tuple[str, tuple[Any, ...]]


class EvaluationLost(SegmintError):
    """The evaluation process died; nothing of the call in flight was recorded."""

    http_status = 503
    title = "Evaluation restarting"


class EvaluationFailed(RuntimeError):
    """Evaluation raised in the child: a bug, reported with the child's traceback."""


class ChildProcessor:
    """A ``Processor`` in a child process, used as one: ``feed``, ``advance``, ``resume``,
    ``sleep``, ``forget``, ``add_profile``, ``evaluated``, ``subscribe``, and ``clock``,
    ``latest`` and the keys of the ``profiles`` held, mirrored. ``feed_start`` and
    ``feed_finish`` split a feed so the caller can work while the child evaluates. Events
    cross the pipe with only the ``fields`` the segments read. ``close`` ends the child."""

    def __init__(
        self,
        segments: EdgeSegments,
        names: Mapping[str, str],
        fields: Collection[str],
        *,
        clock: Clock,
        lateness: timedelta,
        resolve: Callable[[Event], ProfileKey],
        load: Callable[[ProfileKey], ProfileData],
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child_end = context.Pipe()
        self._process = context.Process(
            target=_serve,
            args=(child_end, segments.plans, dict(names), clock, lateness),
            name="segmint-evaluation",
            daemon=True,
        )
        self._process.start()
        child_end.close()
        self._fields, self._resolve, self._load = frozenset(fields), resolve, load
        self._deferred: list[Call] = []
        self._sending = threading.Lock()
        #: What the writer thread sends, in order: ("calls", calls), ("profile", data).
        self._outbox: queue.SimpleQueue[tuple[str, Any] | None] = queue.SimpleQueue()
        self._writer = threading.Thread(
            target=self._write, name="segmint-evaluation-writer", daemon=True
        )
        self._writer.start()
        #: The profiles' earliest timers, as the answers received since ``evaluated`` carry.
        self._changed: dict[ProfileKey, datetime | None] = {}
        self._subscribers: list[Subscriber] = []
        self.profiles: set[ProfileKey] = set()
        self.clock: datetime | None = None
        self.latest: datetime | None = None

    def subscribe(self, callback: Subscriber) -> None:
        self._subscribers.append(callback)

    def resume(self, clock: datetime | None, latest: datetime | None) -> None:
        self.clock, self.latest = clock, latest
        self._deferred.append(("resume", (clock, latest)))

    def sleep(self, key: ProfileKey, due: datetime | None) -> None:
        self.profiles.discard(key)
        self._deferred.append(("sleep", (key, due)))

    def forget(self, key: ProfileKey) -> None:
        self.profiles.discard(key)
        self._deferred.append(("forget", (key,)))

    def add_profile(self, key: ProfileKey, data: ProfileData) -> None:
        self.profiles.add(key)
        self._deferred.append(("add_profile", (key, data)))

    def feed(self, events: Iterable[Event]) -> None:
        self.feed_start(events)
        self.feed_finish()

    def feed_start(self, events: Iterable[Event]) -> None:
        """Send events to be evaluated behind those sent before; ``feed_finish`` waits for
        them. Never waits for the child, and safe to call from another thread than the one
        finishing."""
        fields = self._fields
        pairs = [
            (self._resolve(event), {k: v for k, v in event.items() if k in fields})
            for event in events
        ]
        self.profiles.update(key for key, _ in pairs)
        self._send(("feed_keyed", (pairs,)))

    def feed_finish(self) -> None:
        """Wait for the oldest events sent and not finished yet to be evaluated (their
        transitions go to the subscribers)."""
        self._receive()

    def advance(self, to: datetime) -> None:
        self._send(("advance", (to,)))
        self._receive()

    def evaluated(self) -> dict[ProfileKey, datetime | None]:
        """The earliest timer of each profile evaluated or dropped by the calls answered since
        the last call (each answer carries its own)."""
        changed, self._changed = self._changed, {}
        return changed

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def wait(self) -> None:
        """Wait until the child has ended (after it was told or made to)."""
        self._process.join()

    def close(self) -> None:
        """End the child at once and wait for it: it holds nothing that is not rebuilt from
        the store, and answers no one will read could keep it from reading its pipe."""
        self._outbox.put(None)
        self._process.kill()
        self._process.join()
        self._writer.join()
        self._pipe.close()

    def _send(self, call: Call) -> None:
        """Queue the call, after the deferred ones."""
        with self._sending:
            message, self._deferred = [*self._deferred, call], []
            self._outbox.put(("calls", message))

    def _write(self) -> None:
        """Write what is queued to the child, in order, until told to stop. No sender waits
        for the pipe: the child, answering earlier calls that no one reads yet, may not read
        for a while, and a sender holding a lock the reader needs would wait forever."""
        while (message := self._outbox.get()) is not None:
            try:
                self._pipe.send(message)
            except OSError:  # the child is gone: whoever waits for an answer is told
                return

    def _receive(self) -> None:
        """Take the next answer, serving the loads the child asks for meanwhile."""
        while True:
            with self._lost():
                answer = self._pipe.recv()
            if answer[0] == "load":
                self.profiles.add(answer[1])
                self._outbox.put(("profile", self._load(answer[1])))
                continue
            if answer[0] == "failed":
                raise EvaluationFailed(f"streaming evaluation failed in its process:\n{answer[1]}")
            _, transitions, self.clock, self.latest, changed = answer
            self._changed.update(changed)
            for transition in transitions:
                for subscriber in self._subscribers:
                    subscriber(transition)
            return

    @contextmanager
    def _lost(self) -> Iterator[None]:
        try:
            yield
        except (EOFError, OSError) as error:
            raise EvaluationLost(
                f"the streaming evaluation process stopped (exit code {self._process.exitcode})",
                hint="send the events again: none of them was recorded",
            ) from error


def _serve(
    pipe: Connection, plans: dict[str, Plan], names: dict[str, str], clock: Clock,
    lateness: timedelta,
) -> None:  # fmt: skip
    """The child: answer each message until the pipe closes (Ctrl-C is the parent's to
    handle: it closes the pipe). Calls that arrive while it waits for a profile it asked for
    wait their turn."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    backlog: deque[list[Call]] = deque()

    def load(key: ProfileKey) -> ProfileData:
        pipe.send(("load", key))
        while True:
            kind, body = pipe.recv()
            if kind == "profile":
                data: ProfileData = body
                return data
            backlog.append(body)

    processor = Processor(EdgeSegments(plans, names), clock=clock, lateness=lateness, load=load)
    emitted: list[Transition] = []
    processor.subscribe(emitted.append)
    with long_lived():
        while True:
            try:
                message: list[Call] = backlog.popleft() if backlog else pipe.recv()[1]
                pipe.send(_answer(processor, message, emitted))
            except (EOFError, OSError):  # the parent closed the pipe
                return
            emitted.clear()


def _answer(
    processor: Processor, message: list[Call], emitted: list[Transition]
) -> tuple[Any, ...]:
    """The answer to one message: the transitions, the clock, the latest event time and the
    profiles' changed timers."""
    try:
        for method, args in message:
            getattr(processor, method)(*args)
        changed = processor.evaluated()
    except Exception:
        return ("failed", traceback.format_exc())
    return ("done", emitted, processor.clock, processor.latest, changed)
