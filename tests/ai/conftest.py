"""A small synthetic shop for Customer AI tests: profiles with a country and loyalty tier, and
events whose rhythm predicts purchases (people who lapse stop buying), ingested for real."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from segmint.ai import instances, score, train, writeback
from segmint.ai.instances import Instance, PropensityType
from segmint.ai.requirements import Limits
from segmint.ingest.pipeline import ingest_file
from segmint.store.workspace import Workspace
from tests.conftest import make_workspace, write_csv, write_jsonl

START = datetime(2026, 1, 1)
DAYS = 200
END = START + timedelta(days=DAYS)
LIMITS = Limits(min_profiles=100, min_positives=20, min_negatives=20)
CHURN = Instance("churn", PropensityType.CHURN, 'eventType = "commerce.purchases"', 30)


def shop_events(profiles: int, seed: int = 3) -> list[dict[str, Any]]:
    """Each person is active from a start day until a lapse day, visiting and buying at their
    own rates; a purchase carries an order total."""
    rng = np.random.default_rng(seed)
    events: list[dict[str, Any]] = []
    for person in range(profiles):
        rate = rng.lognormal(-1.5, 0.8)
        begin = rng.uniform(0, 60)
        lapse = rng.uniform(begin + 20, DAYS * 1.5)
        buy_share = rng.uniform(0.05, 0.3)
        count = rng.poisson(rate * (min(lapse, DAYS) - begin))
        for n, day in enumerate(np.sort(rng.uniform(begin, min(lapse, DAYS), count))):
            bought = rng.random() < buy_share
            record: dict[str, Any] = {
                "_id": f"p{person}-{n}",
                "timestamp": (START + timedelta(days=float(day))).isoformat() + "Z",
                "eventType": "commerce.purchases" if bought else "web.webpagedetails.pageViews",
                "identityMap": {"crmId": [{"id": f"C{person}", "primary": True}]},
            }
            if bought:
                record["commerce"] = {"order": {"priceTotal": round(float(rng.uniform(5, 200)), 2)}}
            events.append(record)
    return events


def load_shop(ws: Workspace, folder: Path, profiles: int) -> None:
    rng = np.random.default_rng(5)
    rows = [
        [f"C{i}", str(rng.choice(["US", "FR", "DE"])), str(rng.choice(["gold", "silver", ""]))]
        for i in range(profiles)
    ]
    crm = write_csv(
        folder / "crm.csv", ["identityMap.crmId", "homeAddress.countryCode", "loyalty.tier"], rows
    )
    ingest_file(ws, crm, "crm")
    ingest_file(ws, write_jsonl(folder / "web.jsonl", shop_events(profiles)), "web")


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Workspace]:
    with make_workspace(tmp_path / "ws") as ws:
        load_shop(ws, tmp_path, 300)
        yield ws


@dataclass(frozen=True)
class Scored:
    ws: Workspace
    trained: train.Trained
    scores: score.Scores


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scored]:
    """A shop of 600 profiles with the churn instance trained, scored and written back."""
    folder = tmp_path_factory.mktemp("shop")
    with make_workspace(folder / "ws") as ws:
        load_shop(ws, folder, 600)
        instances.create(ws.con, CHURN)
        trained = train.train(ws.con, ws.path, CHURN, limits=LIMITS)
        scores = score.score(ws.con, CHURN, END)
        with ws.transaction():
            writeback.write(ws.con, scores)
        yield Scored(ws, trained, scores)
