"""Clear errors when data cannot support a model, and when an instance is badly defined."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from segmint.ai import instances, score, train
from segmint.ai.instances import Instance, PropensityType, parse_window
from segmint.ai.requirements import InsufficientDataError, Limits
from segmint.errors import ConflictError, NotFoundError, PQLError, UsageError
from segmint.store.workspace import Workspace
from tests.ai.conftest import CHURN, END, LIMITS
from tests.conftest import make_workspace


def test_too_few_profiles(shop: Workspace) -> None:
    with pytest.raises(InsufficientDataError, match=r"at least 5000 eligible .*there are \d+"):
        train.train(shop.con, shop.path, CHURN, limits=Limits(min_profiles=5000))


def test_too_few_of_one_outcome(shop: Workspace) -> None:
    rare = Instance("rare", PropensityType.CONVERSION, 'eventType = "nothing.ever"', 30)
    with pytest.raises(InsufficientDataError, match=r'outcome "converted"; there are 0 of'):
        train.train(shop.con, shop.path, rare, limits=LIMITS)


def test_window_longer_than_history(shop: Workspace) -> None:
    long = Instance("long", PropensityType.CHURN, CHURN.goal, 365)
    with pytest.raises(InsufficientDataError, match=r"needs 395 days of events .* there are"):
        train.train(shop.con, shop.path, long, limits=LIMITS)


def test_outcomes_not_known_yet(shop: Workspace) -> None:
    with pytest.raises(InsufficientDataError, match="after the last event"):
        train.train(shop.con, shop.path, CHURN, END + timedelta(days=30), limits=LIMITS)


def test_no_events(tmp_path: Path) -> None:
    with (
        make_workspace(tmp_path / "ws") as ws,
        pytest.raises(InsufficientDataError, match="no events"),
    ):
        train.train(ws.con, ws.path, CHURN)


def test_scoring_needs_a_model_and_eligible_profiles(shop: Workspace) -> None:
    with pytest.raises(NotFoundError, match="has no trained model"):
        score.score(shop.con, CHURN)
    train.train(shop.con, shop.path, CHURN, limits=LIMITS)
    with pytest.raises(InsufficientDataError, match="no profile is eligible"):
        score.score(shop.con, CHURN, END - timedelta(days=400))


def test_definitions_are_checked(shop: Workspace) -> None:
    con = shop.con
    with pytest.raises(UsageError, match="cannot name"):
        instances.create(con, Instance("bad-name", PropensityType.CHURN, CHURN.goal, 30))
    with pytest.raises(PQLError, match="unknown field"):
        instances.create(con, Instance("g", PropensityType.CHURN, "loyalty.tier = 'x'", 30))
    with pytest.raises(UsageError, match="not in the profile schema"):
        instances.create(con, Instance("f", PropensityType.CHURN, CHURN.goal, 30, None, ("nope",)))
    instances.create(con, CHURN)
    with pytest.raises(ConflictError):
        instances.create(con, CHURN)
    with pytest.raises(UsageError, match="prediction window"):
        parse_window("30 months")
    assert parse_window("4w") == 28 and parse_window("30d") == 30


def test_eligibility_narrows_the_population(shop: Workspace) -> None:
    us = Instance("us", PropensityType.CHURN, CHURN.goal, 30, 'homeAddress.countryCode = "US"')
    instances.create(shop.con, us)
    train.train(shop.con, shop.path, us, limits=Limits(50, 10, 10))
    scored = score.score(shop.con, us)
    countries = shop.con.execute(
        "SELECT count(*) FROM profile_fragments WHERE homeAddress.countryCode = 'US'"
    ).fetchone()
    assert countries is not None and 0 < scored.rows <= countries[0]
