"""The server's one open workspace, shared by request threads.

The process opens the workspace once and so owns the DuckDB file. A DuckDB connection is not
thread-safe, so every request gets its own cursor (a connection to the same database, pointed at
the request's sandbox). Reads run side by side; writes take one lock, because concurrent write
transactions on shared tables (the identity resolution table, say) would conflict and fail.

Since every write goes through this process, it knows when data may have changed: each write
session, once done, bumps its sandbox's data version, and the workspace's key generation
unless the writer declared it leaves API keys alone (streaming collection does). Caches of
what was read (API keys, edge answers) are kept per version, so no change is ever missed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from segmint.engines.duckdb import Connection
from segmint.store import apikeys
from segmint.store.apikeys import ApiKey
from segmint.store.workspace import Workspace

#: Session settings that ``engines.duckdb.connect`` applies; a cursor starts without them.
_CURSOR_SETTINGS = ("SET enable_progress_bar = false", "SET TimeZone = 'UTC'")


class Service:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._cursors = threading.Lock()
        self._writes = threading.Lock()
        self._versions: dict[str, int] = {}
        #: Grows with every write, in any sandbox, that may change API keys.
        self._generation = 0
        self._keys: dict[str, tuple[int, ApiKey]] = {}

    @classmethod
    def open(cls, path: Path) -> Service:
        """Open (and lock) a workspace; a WorkspaceError says who holds it otherwise."""
        workspace = Workspace.open(path)
        apikeys.ensure_table(workspace.con)
        return cls(workspace)

    def close(self) -> None:
        self.workspace.close()

    @contextmanager
    def cursor(self) -> Iterator[Connection]:
        """A connection of this thread's own; creating and closing one touches the shared root."""
        with self._cursors:
            con = self.workspace.con.cursor()
        try:
            for setting in _CURSOR_SETTINGS:
                con.execute(setting)
            yield con
        finally:
            with self._cursors:
                con.close()

    @contextmanager
    def session(self, sandbox: str, *, write: bool) -> Iterator[Workspace]:
        """The workspace seen through a fresh cursor on one sandbox; writers go one at a time,
        and each one's end (committed or not) is a new data version of its sandbox."""
        with self.writing(sandbox) if write else nullcontext(), self.cursor() as con:
            workspace = Workspace(self.workspace.path, con)
            workspace.use(sandbox)
            yield workspace

    @contextmanager
    def writing(self, sandbox: str, *, keys: bool = True) -> Iterator[None]:
        """The write turn, for a writer with connections of its own; its end (committed or
        not) is a new data version of the sandbox. ``keys=False``: the writer never touches
        API keys, so the keys known stay known."""
        with self._writes:
            try:
                yield
            finally:
                self.changed(sandbox, keys=keys)

    def changed(self, sandbox: str, *, keys: bool = True) -> None:
        """Data of the sandbox may have changed: what was read of it before is stale (and
        the keys authenticated, unless ``keys`` is False)."""
        with self._cursors:
            self._versions[sandbox] = self._versions.get(sandbox, 0) + 1
            if keys:
                self._generation += 1

    def data_version(self, sandbox: str) -> int:
        """A number that grows whenever a write to the sandbox ends."""
        return self._versions.get(sandbox, 0)

    def known_key(self, token: str) -> ApiKey | None:
        """The key of a token authenticated since the last write anywhere (revoking a key is
        a write), without a query; None when it has to be looked up."""
        cached = self._keys.get(token)
        return cached[1] if cached is not None and cached[0] == self._generation else None

    def authenticate(self, token: str) -> ApiKey | None:
        """The live key of a token, remembered for ``known_key``; None for a bad token."""
        generation = self._generation
        with self.cursor() as con:
            key = apikeys.authenticate(con, token)
        if key is not None:
            self._keys[token] = (generation, key)
        return key
