"""Property: on random profiles, events, definitions and as_of instants, the batch job selects
exactly the profiles the reference interpreter selects."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from segmint.errors import SegmintError
from segmint.plan.bind import bind
from segmint.pql import parse
from segmint.schema.defaults import default_schemas
from segmint.schema.model import SchemaClass
from tests.conformance.harness import Definition, ingest, run_both
from tests.conformance.strategies import Data, as_of_instants, data_sets, definitions
from tests.conftest import make_workspace

_SCHEMAS = default_schemas()
_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _binds(pql: str) -> bool:
    try:
        bind(parse(pql), _SCHEMAS[SchemaClass.PROFILE], _SCHEMAS[SchemaClass.EVENT], source=pql)
    except SegmintError:
        return False
    return True


def check(data: Data, texts: list[str], instants: list[datetime], combine: bool) -> None:
    """Every text binds (else the draw is dropped) and batch equals the reference on it."""
    assume(all(_binds(pql) for pql in texts))
    corpus: list[Definition] = [(f"s{i}", pql) for i, pql in enumerate(texts)]
    if combine and len(corpus) > 1:
        corpus.append(("both", 'inSegment("s0") and not inSegment("s1")'))
    with tempfile.TemporaryDirectory() as folder, make_workspace(Path(folder) / "ws") as ws:
        ingest(ws, Path(folder), data.crm, data.events)
        mismatches = run_both(ws, corpus, instants)
    assert not mismatches, "\n".join(map(str, mismatches[:3]))


_TEXTS = {kind: st.lists(definitions(kind), min_size=1, max_size=3) for kind in
          ("profile", "events", "chains")}  # fmt: skip
_INSTANTS = st.lists(as_of_instants(), min_size=1, max_size=2, unique=True)


@_SETTINGS
@given(data=data_sets(), texts=_TEXTS["profile"], instants=_INSTANTS, combine=st.booleans())
def test_attribute_definitions(
    data: Data, texts: list[str], instants: list[datetime], combine: bool
) -> None:
    check(data, texts, instants, combine)


@_SETTINGS
@given(data=data_sets(), texts=_TEXTS["events"], instants=_INSTANTS, combine=st.booleans())
def test_event_definitions(
    data: Data, texts: list[str], instants: list[datetime], combine: bool
) -> None:
    check(data, texts, instants, combine)


@_SETTINGS
@given(data=data_sets(), texts=_TEXTS["chains"], instants=_INSTANTS, combine=st.booleans())
def test_chain_definitions(
    data: Data, texts: list[str], instants: list[datetime], combine: bool
) -> None:
    check(data, texts, instants, combine)
