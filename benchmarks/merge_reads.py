"""The read a stream makes at each merge to find the profiles it folded away (and so the
segments they exit, cause ``merged``), as the workspace grows: ``stream_ledger.realized_gone``
for 100 moved profiles, against a baseline run in the same process on the same tables, the
read it replaced (every identity's profile, then the candidates not among them).

Synthetic tables in a fresh workspace: ``--identities`` identities in profiles of three, each
profile realized in one segment. Each cell is the median of ``--repeats`` runs.

    python benchmarks/merge_reads.py --identities 100000 1000000
"""

from __future__ import annotations

import argparse
import tempfile
from functools import partial
from pathlib import Path

from harness import median_seconds
from rich.console import Console
from rich.table import Table

from segmint.cli.workspace import create_sandbox
from segmint.engines.duckdb import Connection
from segmint.membership import stream_ledger
from segmint.store import catalog
from segmint.store.profiles import profile_key_sql, profiles_of_keys_sql
from segmint.store.workspace import Workspace

#: Moved profiles a merge reads about (every other one is gone).
CANDIDATES = list(range(1, 600, 3))[:100]


def fill(con: Connection, identities: int) -> None:
    con.execute(
        "INSERT INTO identities SELECT i, 'ecid', i::VARCHAR, TIMESTAMP '2026-01-01' "
        "FROM range(1, $n + 1) t(i)",
        {"n": identities},
    )
    con.execute(
        "INSERT INTO identity_profiles SELECT i, i - (i - 1) % 3 FROM range(1, $n + 1) t(i)",
        {"n": identities},
    )
    con.execute(
        "INSERT INTO memberships SELECT i, 's1', 'realized', TIMESTAMP '2026-01-01', "
        "TIMESTAMP '2026-01-01', 1, 'j' FROM range(1, $n + 1, 3) t(i)",
        {"n": identities},
    )
    # Half the candidates merged away: their identities now belong to the profile before them.
    con.execute(
        "UPDATE identity_profiles SET profile_id = profile_id - 3 "
        "WHERE profile_id IN (SELECT unnest($gone))",
        {"gone": CANDIDATES[1::2]},
    )


def every_identity(con: Connection, key_sql: str) -> list[tuple[int, str]]:
    """The baseline: every identity's profile read, then the candidates not among them."""
    rows = con.execute(
        f"SELECT profile_id, segment_id FROM memberships WHERE status = 'realized' "
        f"AND profile_id IN (SELECT unnest($c)) "
        f"AND profile_id NOT IN (SELECT {key_sql} FROM identities x) ORDER BY 1, 2",
        {"c": CANDIDATES},
    ).fetchall()
    return [(int(profile), str(segment)) for profile, segment in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--identities", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    table = Table(title="profiles folded away by a merge: one read of 100 moved profiles")
    for column in ("identities", "realized_gone ms", "every identity (baseline) ms", "ratio"):
        table.add_column(column, justify="right")
    for count in args.identities:
        with (
            tempfile.TemporaryDirectory() as folder,
            Workspace.open(Path(folder) / "ws", create=True) as workspace,
        ):
            create_sandbox(workspace, "prod")
            workspace.use("prod")
            con = workspace.con
            fill(con, count)
            policy = catalog.merge_policy(con, None)
            new = partial(
                stream_ledger.realized_gone, con, CANDIDATES, partial(profiles_of_keys_sql, policy)
            )
            old = partial(every_identity, con, profile_key_sql(policy, "x"))
            assert new() == old() and len(new()) == len(CANDIDATES) // 2
            fast, slow = (1000 * median_seconds(run, args.repeats) for run in (new, old))
            table.add_row(f"{count:,}", f"{fast:.1f}", f"{slow:.1f}", f"{slow / fast:.1f}x")
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
