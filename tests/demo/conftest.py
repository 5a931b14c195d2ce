"""Small demo data sets shared by the demo tests (generated once per session)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa
import pytest

from segmint.demo import DEFAULT_END, DemoFiles, DemoTables, generate, generate_tables

PROFILES = 3_000


@dataclass(frozen=True)
class Visit:
    """One web/app event reduced to what identity and funnel checks need."""

    ecid: str
    email: str | None
    at: datetime
    event_type: str
    skus: tuple[str, ...]
    keywords: str | None


@pytest.fixture(scope="session")
def tables() -> DemoTables:
    return generate_tables(PROFILES)


@pytest.fixture(scope="session")
def files(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return generate(tmp_path_factory.mktemp("demo"), PROFILES)


@pytest.fixture(scope="session")
def visits(tables: DemoTables) -> list[Visit]:
    return [visit for table in (tables.web, tables.app) for visit in _visits(table)]


@pytest.fixture(scope="session")
def end() -> datetime:
    return DEFAULT_END


def _visits(table: pa.Table) -> list[Visit]:
    rows = table.select(["identityMap", "timestamp", "eventType", "productListItems", "search"])
    result = []
    for row in rows.to_pylist():
        identities = dict(row["identityMap"])
        email = identities.get("email")
        result.append(
            Visit(
                ecid=identities["ecid"][0]["id"],
                email=email[0]["id"] if email else None,
                at=row["timestamp"],
                event_type=row["eventType"],
                skus=tuple(item["SKU"] for item in row["productListItems"] or ()),
                keywords=(row["search"] or {}).get("keywords"),
            )
        )
    return result
