"""What edge answers are computed from, kept in memory between requests so that an answer
touches no database: per sandbox, the published segments compiled for the edge evaluator
(compiling costs milliseconds) and each looked-up profile's stored state with its events
indexed (reading one costs milliseconds), plus that profile's latest answer, which holds until
its ``nextChange`` (the evaluator's promise: nothing changes before it without a new event).

Everything of a sandbox is valid for one data version of it (``Service.data_version``, bumped
by every write: ingestion, merge policies, identity merges, definitions, jobs, scores). A
lookup reads the version before it reads the database, so what it keeps is never older than
the version it is kept under; a new version starts from nothing, except that compiled segments
are reused when the published definitions are unchanged.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from segmint import realtime
from segmint.api.service import Service
from segmint.evaluate.edge import EdgeResult
from segmint.evaluate.edge.events import IndexedProfile
from segmint.realtime import Compiled
from segmint.store import definitions

#: Profiles kept per sandbox; the least recently used go first.
PROFILES_KEPT = 100_000

Versions = tuple[tuple[str, int], ...]


@dataclass
class _Profile:
    data: IndexedProfile
    #: The latest answer without an event: the instant it was evaluated at, and the result.
    answered: tuple[datetime, EdgeResult] | None = None


@dataclass
class _Sandbox:
    version: int
    #: Compiled segments with the definition versions they were compiled from; ``checked``
    #: once those are known to be this version's.
    compiled: tuple[Versions, Compiled] | None = None
    checked: bool = False
    profiles: OrderedDict[str, _Profile] = field(default_factory=OrderedDict)


class EdgeCache:
    def __init__(self, service: Service, profiles_kept: int = PROFILES_KEPT) -> None:
        self._service = service
        self._kept = profiles_kept
        self._lock = threading.Lock()
        self._sandboxes: dict[str, _Sandbox] = {}

    def _current(self, sandbox: str) -> _Sandbox:
        version = self._service.data_version(sandbox)
        with self._lock:
            found = self._sandboxes.get(sandbox)
            if found is None or found.version != version:
                kept = found.compiled if found else None
                found = self._sandboxes[sandbox] = _Sandbox(version, kept)
            return found

    def segments(self, sandbox: str) -> Compiled:
        """Every published segment of the sandbox, compiled; a 404 while there is none."""
        state = self._current(sandbox)
        if state.checked and state.compiled is not None:
            return state.compiled[1]
        with self._service.session(sandbox, write=False) as workspace:
            versions = tuple(
                (s.id, s.version)
                for s in definitions.all_segments(workspace.con)
                if s.spec.lifecycle == definitions.Lifecycle.PUBLISHED
            )
            compiled = state.compiled
            if compiled is None or compiled[0] != versions:
                compiled = (versions, realtime.published(workspace.con))
        state.compiled, state.checked = compiled, True
        return compiled[1]

    def _profile(self, sandbox: str, identity: str) -> _Profile:
        state = self._current(sandbox)
        with self._lock:
            found = state.profiles.get(identity)
            if found is not None:
                state.profiles.move_to_end(identity)
                return found
        with self._service.session(sandbox, write=False) as workspace:
            found = _Profile(realtime.indexed(realtime.stored_profile(workspace.con, identity)))
        with self._lock:
            state.profiles[identity] = found
            while len(state.profiles) > self._kept:
                state.profiles.popitem(last=False)
        return found

    def profile(self, sandbox: str, identity: str) -> IndexedProfile:
        """The stored state of a profile (empty for an identity never seen)."""
        return self._profile(sandbox, identity).data

    def answer(self, sandbox: str, identity: str, as_of: datetime) -> dict[str, Any]:
        """The profile's segments at ``as_of``, reading what is not in memory yet."""
        compiled = self.segments(sandbox)
        return self._answer(compiled, self._profile(sandbox, identity), as_of)

    def answer_from_memory(
        self, sandbox: str, identity: str, as_of: datetime
    ) -> dict[str, Any] | None:
        """The answer when everything it needs is in memory (no database, so it may run on
        the event loop); None otherwise."""
        state = self._current(sandbox)
        with self._lock:
            profile = state.profiles.get(identity)
            if profile is not None:
                state.profiles.move_to_end(identity)
        if not state.checked or state.compiled is None or profile is None:
            return None
        return self._answer(state.compiled[1], profile, as_of)

    @staticmethod
    def _answer(compiled: Compiled, profile: _Profile, as_of: datetime) -> dict[str, Any]:
        """From the profile's latest answer while it holds, else evaluated (and kept)."""
        answered = profile.answered
        if answered is not None and _holds(answered, as_of):
            result = answered[1]
        else:
            result = compiled[0].evaluate(profile.data, as_of)
            profile.answered = (as_of, result)
        return realtime.rows(compiled[1], result, result, as_of)


def _holds(answered: tuple[datetime, EdgeResult], as_of: datetime) -> bool:
    evaluated_at, result = answered
    return evaluated_at <= as_of and (result.next_change is None or as_of < result.next_change)
