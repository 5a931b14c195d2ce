"""Arrow tables of events in the XDM shape: nested structs for objects, a list of structs for
``productListItems`` and a map of namespace to identities for ``identityMap``.

Every event table (web, app, email) has the same schema (EVENT_SCHEMA), so readers can union
them. Rows are grouped by event type in chunks of at most CHUNK_ROWS, each chunk of one type:
an object a type never has is built as cheap all-null arrays, and writers can drop it per chunk.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from segmint.demo import text
from segmint.demo.catalog import CATEGORIES, KEYWORDS, PAGES, PRODUCTS, REFERRERS
from segmint.demo.events import (
    ADD,
    CHECKOUT,
    CLICKED,
    EVENT_TYPES,
    LAUNCH,
    OPENED,
    PRODUCT_VIEW,
    PURCHASE,
    SEARCH,
    Events,
)
from segmint.demo.identities import DEVICE_TYPES, Identities
from segmint.demo.people import People
from segmint.demo.places import COUNTRIES
from segmint.demo.sessions import CHANNELS, EMAIL, WEB

Ints = npt.NDArray[np.int64]

CHUNK_ROWS = 500_000
_VALUE = pa.struct([("value", pa.float64())])
_ITEM = pa.struct(
    [
        ("SKU", pa.string()),
        ("name", pa.string()),
        ("category", pa.string()),
        ("priceTotal", pa.float64()),
        ("quantity", pa.int64()),
    ]
)
_IDENTITY = pa.struct([("id", pa.string()), ("primary", pa.bool_())])
_ORDER = pa.struct(
    [("priceTotal", pa.float64()), ("currencyCode", pa.string()), ("purchaseID", pa.string())]
)
_COMMERCE = ("order", "purchases", "productViews", "productListAdds", "checkouts")
EVENT_SCHEMA = pa.schema(
    [
        ("_id", pa.string()),
        ("timestamp", pa.timestamp("ms", tz="UTC")),
        ("eventType", pa.string()),
        ("identityMap", pa.map_(pa.string(), pa.list_(_IDENTITY))),
        ("channel", pa.string()),
        ("device", pa.struct([("type", pa.string())])),
        (
            "web",
            pa.struct(
                [
                    ("webPageDetails", pa.struct([("name", pa.string()), ("URL", pa.string())])),
                    ("webReferrer", pa.struct([("URL", pa.string())])),
                ]
            ),
        ),
        ("search", pa.struct([("keywords", pa.string())])),
        (
            "commerce",
            pa.struct([(name, _ORDER if name == "order" else _VALUE) for name in _COMMERCE]),
        ),
        ("productListItems", pa.list_(_ITEM)),
        ("marketing", pa.struct([("campaignName", pa.string())])),
    ]
)
_COMMERCE_OF = {
    PURCHASE: ("order", "purchases"),
    PRODUCT_VIEW: ("productViews",),
    ADD: ("productListAdds",),
    CHECKOUT: ("checkouts",),
}

#: Shelf prices in cents, per country (local currency, ending in .99) and product.
UNIT_CENTS = np.array(
    [[round((p.price_usd + 0.01) * c.fx) * 100 - 1 for p in PRODUCTS] for c in COUNTRIES], np.int64
)


class TableBuilder:
    """Builds event tables; holds what every chunk looks values up in."""

    def __init__(
        self,
        rng: np.random.Generator,
        people: People,
        identities: Identities,
        campaign_names: list[str],
    ) -> None:
        self.rng = rng
        self.people = people
        self.ecid_count = len(identities.ecids)
        self.identity_values = pa.concat_arrays([identities.ecids, identities.email])
        self.campaign_names = pa.array(campaign_names, pa.string())
        self.vocabulary = {
            name: pa.array(list(words), pa.string())
            for name, words in {
                "page": PAGES.names,
                "url": PAGES.urls,
                "referrer": REFERRERS,
                "keyword": [k[0] for k in KEYWORDS],
                "sku": [p.sku for p in PRODUCTS],
                "product": [p.name for p in PRODUCTS],
                "device": DEVICE_TYPES,
                "category": [CATEGORIES[p.category].name for p in PRODUCTS],
                "currency": [c.currency for c in COUNTRIES],
            }.items()
        }

    def table(self, events: Events, channel: int) -> pa.Table:
        """The events of one channel in chunks of one type (landings with a referrer apart)."""
        chosen = np.flatnonzero(events.channel == channel)
        group = events.kind[chosen] * 2 + (events.referrer[chosen] >= 0)
        order = np.argsort(group, kind="stable")
        events = events.take(chosen[order])
        starts = [*np.flatnonzero(np.diff(group[order], prepend=-1)).tolist(), len(events)]
        chunks = [
            self._chunk(events.slice(lo, min(lo + CHUNK_ROWS, hi)), channel)
            for start, hi in pairwise(starts)
            for lo in range(start, hi, CHUNK_ROWS)
        ]
        return pa.concat_tables(chunks) if chunks else EVENT_SCHEMA.empty_table()

    def _chunk(self, events: Events, channel: int) -> pa.Table:
        kind = int(events.kind[0])
        count = len(events)
        columns: dict[str, pa.Array] = {
            "_id": text.uuids(self.rng, count),
            "timestamp": pa.array(events.timestamp_ms, EVENT_SCHEMA.field("timestamp").type),
            "eventType": text.pick(EVENT_TYPES, events.kind),
            "identityMap": self._identity_map(events, channel),
            "channel": text.pick(CHANNELS, np.full(count, channel)),
            "device": _struct({"type": self._pick("device", events.device_kind)}),
        }
        if kind not in (LAUNCH, OPENED, CLICKED):
            columns["web"] = self._web(events, channel)
        if kind == SEARCH:
            columns["search"] = _struct({"keywords": self._pick("keyword", events.keyword)})
        if kind in _COMMERCE_OF:
            cents = self._item_cents(events)
            columns["commerce"] = self._commerce(events, kind, cents)
            columns["productListItems"] = self._items(events, cents)
        if kind in (OPENED, CLICKED):
            columns["marketing"] = _struct(
                {"campaignName": text.pick(self.campaign_names, events.campaign)}
            )
        return pa.table(
            [columns.get(f.name, pa.nulls(count, f.type)) for f in EVENT_SCHEMA],
            schema=EVENT_SCHEMA,
        )

    def _pick(self, vocabulary: str, index: Ints) -> pa.Array:
        return text.pick(self.vocabulary[vocabulary], index)

    def _web(self, events: Events, channel: int) -> pa.Array:
        """Page name and URL (app screens have a name only) and the referrer of a landing."""
        page = events.page
        url = page if channel == WEB else np.full(len(page), -1)
        details = _struct({"name": self._pick("page", page), "URL": self._pick("url", url)})
        referrer = _struct({"URL": self._pick("referrer", events.referrer)}, events.referrer >= 0)
        return _struct({"webPageDetails": details, "webReferrer": referrer})

    def _item_cents(self, events: Events) -> Ints:
        owner = np.repeat(np.arange(len(events)), np.diff(events.item_offsets))
        country = self.people.country[events.person[owner]]
        return UNIT_CENTS[country, events.item_product] * events.item_quantity

    def _commerce(self, events: Events, kind: int, cents: Ints) -> pa.Array:
        count = len(events)
        children = {
            name: pa.nulls(count, EVENT_SCHEMA.field("commerce").type.field(name).type)
            for name in _COMMERCE
        }
        for name in _COMMERCE_OF[kind]:
            children[name] = _struct({"value": pa.array(np.ones(count))})
        if kind == PURCHASE:
            running = np.concatenate([[0], np.cumsum(cents)])
            total = running[events.item_offsets[1:]] - running[events.item_offsets[:-1]]
            number = text.from_chars(text.digit_chars(events.order, 8))
            children["order"] = _struct(
                {
                    "priceTotal": pa.array(total / 100),
                    "currencyCode": self._pick("currency", self.people.country[events.person]),
                    "purchaseID": text.join("ORD-", number),
                }
            )
        return _struct(children)

    def _items(self, events: Events, cents: Ints) -> pa.Array:
        product = events.item_product
        item = _struct(
            {
                "SKU": self._pick("sku", product),
                "name": self._pick("product", product),
                "category": self._pick("category", product),
                "priceTotal": pa.array(cents / 100),
                "quantity": pa.array(events.item_quantity),
            }
        )
        return pa.ListArray.from_arrays(pa.array(events.item_offsets.astype(np.int32)), item)

    def _identity_map(self, events: Events, channel: int) -> pa.Array:
        """The ecid (primary) plus the email once logged in; email events carry the email only."""
        with_email = events.logged_in & (channel != EMAIL)
        size = 1 + with_email.astype(np.int64)
        offsets = np.concatenate([[0], np.cumsum(size)]).astype(np.int32)
        owner = np.repeat(np.arange(len(events)), size)
        primary = np.arange(len(owner)) == offsets[:-1][owner]
        is_email = ~primary if channel != EMAIL else primary
        index = np.where(is_email, self.ecid_count + events.person[owner], events.ecid[owner])
        ids = _struct({"id": text.pick(self.identity_values, index), "primary": pa.array(primary)})
        entries = pa.ListArray.from_arrays(pa.array(np.arange(len(owner) + 1, dtype=np.int32)), ids)
        keys = text.pick(["ecid", "email"], is_email.astype(np.int64))
        return pa.MapArray.from_arrays(pa.array(offsets), keys, entries)


def _struct(children: dict[str, pa.Array], valid: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    missing = None if valid is None else pa.array(~valid)
    return pa.StructArray.from_arrays(list(children.values()), list(children), mask=missing)
