"""The server's one open workspace, shared by request threads.

The process opens the workspace once and so owns the DuckDB file. A DuckDB connection is not
thread-safe, so every request gets its own cursor (a connection to the same database, pointed at
the request's sandbox). Reads run side by side; writes take one lock, because concurrent write
transactions on shared tables (the identity resolution table, say) would conflict and fail.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from segmint.engines.duckdb import Connection
from segmint.store import apikeys
from segmint.store.workspace import Workspace

#: Session settings that ``engines.duckdb.connect`` applies; a cursor starts without them.
_CURSOR_SETTINGS = ("SET enable_progress_bar = false", "SET TimeZone = 'UTC'")


class Service:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._cursors = threading.Lock()
        self._writes = threading.Lock()

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
        """The workspace seen through a fresh cursor on one sandbox; writers go one at a time."""
        with self._writes if write else nullcontext(), self.cursor() as con:
            workspace = Workspace(self.workspace.path, con)
            workspace.use(sandbox)
            yield workspace
