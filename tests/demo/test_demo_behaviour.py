"""What the data must show: stitching cases, a funnel, sneaker searchers, rhythms and tails."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc

from segmint.demo import DemoTables
from tests.demo.conftest import Visit

PURCHASES = "commerce.purchases"


def test_every_record_has_exactly_one_primary_identity(tables: DemoTables) -> None:
    for table in (tables.web, tables.app, tables.email):
        for identity_map in table["identityMap"].to_pylist():
            flags = [entry["primary"] for _, entries in identity_map for entry in entries]
            assert flags.count(True) == 1
    assert tables.crm["identityMap.crmId"].null_count == 0


def test_event_ids_are_unique_and_timestamps_inside_the_period(
    tables: DemoTables, end: datetime
) -> None:
    events = [tables.web, tables.app, tables.email]
    ids = pa.chunked_array([chunk for t in events for chunk in t["_id"].chunks])
    assert pc.count_distinct(ids).as_py() == len(ids)
    for table in events:
        first, last = pc.min_max(table["timestamp"]).values()
        assert end - timedelta(days=180) <= first.as_py() and last.as_py() < end


def test_people_use_two_devices_and_visitors_register_later(
    tables: DemoTables, visits: list[Visit]
) -> None:
    ecids_of: defaultdict[str, set[str]] = defaultdict(set)
    for visit in visits:
        if visit.email:
            ecids_of[visit.email].add(visit.ecid)
    assert sum(len(ecids) >= 2 for ecids in ecids_of.values()) > 0.05 * len(ecids_of)

    crm_emails = set(tables.crm["identityMap.email"].drop_null().to_pylist())
    history: defaultdict[str, list[Visit]] = defaultdict(list)
    for visit in visits:
        history[visit.ecid].append(visit)
    registered = 0
    for seen in history.values():
        seen.sort(key=lambda v: v.at)
        logged = [i for i, v in enumerate(seen) if v.email]
        if logged and logged[0] > 0 and seen[logged[0]].email not in crm_emails:
            registered += 1
            assert all(v.email for v in seen[logged[0] :])  # from then on, ecid and email
    assert registered >= 10


def test_shared_devices_link_two_crm_customers(tables: DemoTables, visits: list[Visit]) -> None:
    crm = dict(
        zip(
            tables.crm["identityMap.email"].to_pylist(),
            tables.crm["identityMap.crmId"].to_pylist(),
            strict=True,
        )
    )
    emails_of: defaultdict[str, set[str]] = defaultdict(set)
    for visit in visits:
        if visit.email:
            emails_of[visit.ecid].add(visit.email)
    shared = [emails for emails in emails_of.values() if len(emails) >= 2]
    assert shared
    assert all(len({crm[email] for email in emails if email in crm}) >= 2 for emails in shared)


def test_junk_values_recur_on_unrelated_crm_records(tables: DemoTables) -> None:
    emails = Counter(tables.crm["identityMap.email"].to_pylist())
    phones = Counter(tables.crm["identityMap.phone"].drop_null().to_pylist())
    assert emails["test@test.com"] >= 3 and phones["0000000000"] >= 3
    assert max(n for e, n in emails.items() if e != "test@test.com") == 1


def test_funnel_narrows(tables: DemoTables) -> None:
    counts: Counter[str] = Counter()
    for table in (tables.web, tables.app):
        counts.update(table["eventType"].to_pylist())
    views = counts["web.webpagedetails.pageViews"] + counts["commerce.productViews"]
    adds, checkouts = counts["commerce.productListAdds"], counts["commerce.checkouts"]
    assert views > 10 * adds and adds > checkouts > counts[PURCHASES] > 0
    assert counts["search"] > 0 and counts["application.launch"] > 0


def test_sneaker_searchers_some_buy_most_do_not(visits: list[Visit]) -> None:
    searched: dict[str, datetime] = {}
    for visit in sorted(visits, key=lambda v: v.at):
        if visit.keywords and "sneakers" in visit.keywords:
            searched.setdefault(visit.ecid, visit.at)
    keywords = {v.keywords for v in visits if v.keywords and "sneakers" in v.keywords}
    assert {"sneakers", "running sneakers", "white sneakers"} <= keywords
    buyers = {
        v.ecid
        for v in visits
        if v.event_type == PURCHASES and v.ecid in searched and v.at > searched[v.ecid]
    }
    assert 0.02 * len(searched) < len(buyers) < 0.5 * len(searched)


def test_adds_to_cart_follow_a_product_view_within_an_hour(visits: list[Visit]) -> None:
    last_view: dict[tuple[str, str], datetime] = {}
    adds = quick = 0
    for visit in sorted(visits, key=lambda v: v.at):
        if visit.event_type == "commerce.productViews":
            last_view[(visit.ecid, visit.skus[0])] = visit.at
        elif visit.event_type == "commerce.productListAdds":
            adds += 1
            viewed = last_view.get((visit.ecid, visit.skus[0]))
            quick += viewed is not None and visit.at - viewed <= timedelta(hours=1)
    assert 0.5 * adds < quick < adds


def test_purchases_add_up(tables: DemoTables) -> None:
    for table in (tables.web, tables.app):
        rows = table.filter(pc.equal(table["eventType"], PURCHASES)).to_pylist()
        for row in rows:
            order = row["commerce"]["order"]
            items = row["productListItems"]
            assert abs(sum(item["priceTotal"] for item in items) - order["priceTotal"]) < 1e-6
            assert row["commerce"]["purchases"]["value"] == 1
            assert order["currencyCode"] in {"USD", "GBP", "EUR", "CAD"}
        assert len({row["commerce"]["order"]["purchaseID"] for row in rows}) == len(rows)


def test_activity_is_heavy_tailed_with_churn_and_rhythm(visits: list[Visit], end: datetime) -> None:
    per_ecid = Counter(visit.ecid for visit in visits)
    counts = sorted(per_ecid.values())
    assert counts[-1] > 10 * counts[len(counts) // 2]
    last_seen: dict[str, datetime] = {}
    for visit in visits:
        last_seen[visit.ecid] = max(visit.at, last_seen.get(visit.ecid, visit.at))
    quiet = sum(at < end - timedelta(days=60) for at in last_seen.values())
    assert 0.05 * len(last_seen) < quiet < 0.5 * len(last_seen)
    hours = Counter(visit.at.hour for visit in visits)
    assert max(hours.values()) > 2.5 * min(hours.values())
