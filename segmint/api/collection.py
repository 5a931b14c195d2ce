"""Streaming collection for ``/collection``: one durable event stream per sandbox and dataset,
kept between requests so the streaming processor's state stays in memory.

Each stream reads and writes through a connection of its own and is used under the service's
write lock, one call at a time. It is trusted only while it made the sandbox's last write: any
other write (a batch upload, a definition change, a merge policy) may have changed what its
profiles or segments are, so the next call rebuilds it from the store and its checkpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass

from segmint.api.service import Service
from segmint.store.workspace import Workspace
from segmint.stream.service import EventStream, Receipt


@dataclass
class _Held:
    stream: EventStream
    connection: ExitStack
    #: The sandbox's data version right after this stream's last call.
    version: int


class Collectors:
    def __init__(self, service: Service) -> None:
        self._service = service
        self._streams: dict[tuple[str, str], _Held] = {}

    def collect(
        self, sandbox: str, dataset: str, events: Sequence[object]
    ) -> tuple[Receipt, dict[str, str]]:
        """Validate and durably commit ``events`` into ``dataset``; returns after the commit,
        with the names of the stream's segments by id."""
        with self._service.session(sandbox, write=True):
            held = self._current(sandbox, dataset)
            try:
                return held.stream.collect(events), held.stream.names
            finally:
                held.version = self._service.data_version(sandbox) + 1  # this session's end

    def close(self) -> None:
        for held in self._streams.values():
            held.connection.close()
        self._streams.clear()

    def _current(self, sandbox: str, dataset: str) -> _Held:
        key = (sandbox, dataset)
        held = self._streams.pop(key, None)
        if held is not None and held.version == self._service.data_version(sandbox):
            self._streams[key] = held
            return held
        if held is not None:
            held.connection.close()
        connection = ExitStack()
        try:
            workspace = Workspace(
                self._service.workspace.path, connection.enter_context(self._service.cursor())
            )
            workspace.use(sandbox)
            stream = EventStream(workspace, dataset, name=f"collection:{dataset}")
        except BaseException:
            connection.close()
            raise
        held = _Held(stream, connection, self._service.data_version(sandbox))
        self._streams[key] = held
        return held
