"""Shared test helpers: the demo schemas extended with the fields pql.md's examples use, and
small builders for profiles and events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from segmint.evaluate import ProfileData, evaluate
from segmint.plan.bind import bind
from segmint.plan.nodes import Plan
from segmint.pql import parse
from segmint.schema.defaults import default_schemas
from segmint.schema.fields import FieldType as T
from segmint.schema.model import SchemaClass

_DEFAULTS = default_schemas()
PROFILE = _DEFAULTS[SchemaClass.PROFILE].extend(
    {
        "person.birthMonth": T.INTEGER,
        "person.birthday": T.DATE,
        "person.emailAddress": T.STRING,
        "person.favoriteColors[]": T.STRING,
        "person.favoriteCities[]": T.STRING,
        "person.visitedCities[]": T.STRING,
        "person.eatenFoods[]": T.STRING,
        "person.orders[].storeId": T.STRING,
        "person.orders[].price": T.NUMBER,
        "homeAddress.countryISO": T.STRING,
        "workAddress.stateProvince": T.STRING,
        "workEmail.address": T.STRING,
        "_luma.income": T.NUMBER,
        "identityMap": T.MAP,
    }
)
EVENT = _DEFAULTS[SchemaClass.EVENT].extend(
    {
        "commerce.item.price": T.NUMBER,
        "web.webPageDetails.isHomePage": T.BOOLEAN,
        "metrics.commerce.abandons.value": T.NUMBER,
        "device.model": T.STRING,
        "externalSegmentMapProperty": T.MAP,
    }
)
AS_OF = datetime(2018, 8, 28, 15, 30)


def plan(text: str) -> Plan:
    return bind(parse(text), PROFILE, EVENT, source=text)


def nested(flat: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys to nested dicts: {"person.name.firstName": "Ann"}."""
    tree: dict[str, Any] = {}
    for path, value in flat.items():
        level = tree
        *parents, leaf = path.split(".")
        for part in parents:
            level = level.setdefault(part, {})
        level[leaf] = value
    return tree


def event(
    ident: str, timestamp: datetime, event_type: str = "web", **fields: Any
) -> dict[str, Any]:
    """An event; keyword names use "__" for dots: commerce__order__priceTotal=5."""
    flat = {key.replace("__", "."): value for key, value in fields.items()}
    return {"_id": ident, "timestamp": timestamp, "eventType": event_type, **nested(flat)}


def holds(
    text: str,
    attributes: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    segments: frozenset[str] = frozenset(),
    as_of: datetime = AS_OF,
) -> bool:
    profile = ProfileData(nested(attributes or {}), events or [], segments)
    return evaluate(plan(text), profile, as_of)
