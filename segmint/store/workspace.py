"""A workspace: one folder holding the embedded database, with one schema per sandbox.

DuckDB lets one process write a database file at a time; a second process gets a clear
"in use by PID" error instead of a corrupt file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from segmint.config import check_sandbox_name
from segmint.engines import duckdb as engine
from segmint.errors import NotFoundError, WorkspaceError
from segmint.store.tables import SANDBOX_DDL

DATABASE_FILE = "segmint.duckdb"
_SCHEMA_PREFIX = "sb_"


class Workspace:
    """An open workspace; use as a context manager so the database lock is released."""

    def __init__(self, path: Path, con: engine.Connection) -> None:
        self.path = path
        self.con = con

    @classmethod
    def open(cls, path: Path, *, create: bool = False) -> Workspace:
        database = path / DATABASE_FILE
        if not database.exists() and not create:
            raise WorkspaceError(
                f"no workspace at {path}",
                hint="run `segmint init` first, or point --workspace / SEGMINT_WORKSPACE at one",
            )
        path.mkdir(parents=True, exist_ok=True)
        try:
            con = engine.connect(database)
        except engine.DatabaseError as error:
            raise _lock_error(path, error) from None
        workspace = cls(path, con)
        workspace._add_new_tables()
        return workspace

    def _add_new_tables(self) -> None:
        """Tables added to Segmint since a sandbox was created, so older workspaces still open."""
        for sandbox in self.sandboxes():
            self.use(sandbox)
            for ddl in SANDBOX_DDL:
                self.con.execute(ddl)
        self.con.execute("SET schema = 'main'")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sandboxes(self) -> list[str]:
        rows = self.con.execute(
            "SELECT schema_name FROM information_schema.schemata "
            "WHERE catalog_name = current_database() AND schema_name LIKE 'sb\\_%' ESCAPE '\\' "
            "ORDER BY 1"
        ).fetchall()
        return [str(row[0]).removeprefix(_SCHEMA_PREFIX) for row in rows]

    def create_sandbox(self, name: str) -> bool:
        """Create a sandbox's schema; False when it already existed."""
        if check_sandbox_name(name) in self.sandboxes():
            return False
        self.con.execute(f"CREATE SCHEMA {_SCHEMA_PREFIX}{name}")
        return True

    def use(self, sandbox: str) -> None:
        """Point unqualified table names at one sandbox, so sandboxes share nothing."""
        if check_sandbox_name(sandbox) not in self.sandboxes():
            raise NotFoundError(
                f'sandbox "{sandbox}" does not exist in {self.path}',
                hint=f"create it with `segmint sandbox create {sandbox}`",
            )
        self.con.execute(f"SET schema = '{_SCHEMA_PREFIX}{sandbox}'")

    @contextmanager
    def transaction(self) -> Iterator[engine.Connection]:
        """All or nothing: an error or interrupt inside rolls every change back."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")


def _lock_error(path: Path, error: Exception) -> WorkspaceError:
    pid = re.search(r"\(PID (\d+)\)", str(error))
    if pid:
        return WorkspaceError(
            f"workspace {path} is in use by PID {pid.group(1)}",
            hint="stop that process (e.g. `segmint serve` or `segmint stream`) or use its API",
        )
    return WorkspaceError(f"cannot open workspace {path}: {error}")
