"""CRM records of the known customers: names, contacts, addresses, loyalty and consents.

Columns are dotted XDM paths plus ``identityMap.<namespace>`` columns. A few percent of the
values are missing, as in any real CRM export, and junk contact values recur on several rows.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from segmint.demo import text
from segmint.demo.catalog import CATEGORIES, INTERESTS
from segmint.demo.identities import Identities
from segmint.demo.people import CITIES, DAY_MS, FIRST_NAMES, LAST_NAMES, STREETS, People
from segmint.demo.places import COUNTRIES, LOCALES

Ints = npt.NDArray[np.int64]

TIERS = ("bronze", "silver", "gold", "platinum")
TIER_SHARES = np.array([0.55, 0.28, 0.13, 0.04])
TIER_POINTS = np.array([[0, 1_000], [1_000, 5_000], [5_000, 15_000], [15_000, 60_000]])
OLDEST_ACCOUNT_MS = int(datetime(2016, 1, 1, tzinfo=UTC).timestamp() * 1000)
_FAVOURITE_INTEREST = np.array([INTERESTS.index(c.interest) for c in CATEGORIES], np.int64)


def crm_table(
    rng: np.random.Generator, people: People, identities: Identities, begin_ms: int
) -> pa.Table:
    rows = np.flatnonzero(people.known)
    count = len(rows)

    def missing(share: float) -> npt.NDArray[np.bool_]:
        return rng.random(count) < share

    country = people.country[rows]
    city = people.city[rows]
    born = _birth_days(rng, people.start_ms[rows])
    birth_year = born.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    no_birth_date = missing(0.12)
    start = people.start_ms[rows]
    created = np.where(
        start > begin_ms,
        start - rng.integers(0, 3 * DAY_MS, count),
        OLDEST_ACCOUNT_MS + rng.random(count) * (begin_ms - OLDEST_ACCOUNT_MS),
    )
    created = (created // 1000 * 1000).astype(np.int64)  # CRM exports keep whole seconds
    joined = created // DAY_MS + (rng.random(count) * (start - created) / DAY_MS * 0.8).astype(
        np.int64
    )
    tier = _tiers(rng, people.activity[rows])
    points = rng.uniform(TIER_POINTS[tier, 0], TIER_POINTS[tier, 1]).astype(np.int64)
    member = ~missing(0.1)
    gender = np.where(people.female[rows], 0, 1)
    gender = np.where(missing(0.02), 2, gender)
    consent = people.consent[rows]
    states = [city.state or "" for city in CITIES]
    has_state = np.array([bool(state) for state in states])
    return pa.table(
        {
            "identityMap.crmId": identities.crm_id.take(pa.array(rows)),
            "identityMap.email": identities.crm_email.take(pa.array(rows)),
            "identityMap.phone": identities.crm_phone.take(pa.array(rows)),
            "person.name.firstName": text.mask(
                text.pick(FIRST_NAMES.words, people.first_name[rows]), missing(0.01)
            ),
            "person.name.lastName": text.mask(
                text.pick(LAST_NAMES.words, people.last_name[rows]), missing(0.01)
            ),
            "person.gender": text.mask(
                text.pick(("female", "male", "not_specified"), gender), missing(0.03)
            ),
            "person.birthDate": pa.array(born.astype(np.int32), pa.date32(), mask=no_birth_date),
            "person.birthYear": pa.array(birth_year, mask=no_birth_date & missing(0.5)),
            "personalEmail.address": identities.crm_email.take(pa.array(rows)),
            "mobilePhone.number": identities.crm_phone.take(pa.array(rows)),
            "homeAddress.street1": text.mask(_streets(rng, country), missing(0.04)),
            "homeAddress.city": text.mask(text.pick([c.name for c in CITIES], city), missing(0.02)),
            "homeAddress.postalCode": text.mask(
                text.fill(rng, [c.postal for c in CITIES], city), missing(0.03)
            ),
            "homeAddress.stateProvince": text.mask(
                text.pick(states, city), ~has_state[city] | missing(0.02)
            ),
            "homeAddress.countryCode": text.mask(
                text.pick([c.code for c in COUNTRIES], country), missing(0.01)
            ),
            "loyalty.tier": text.mask(text.pick(TIERS, tier), ~member),
            "loyalty.points": pa.array(points, mask=~member),
            "loyalty.joinDate": pa.array(joined.astype(np.int32), pa.date32(), mask=~member),
            "consents.marketing.email": pa.array(consent, mask=~consent & missing(0.06)),
            "preferences.interests": _interests(rng, people.favourite[rows]),
            "createdAt": pa.array(created, pa.timestamp("ms", tz="UTC")),
        }
    )


def _birth_days(rng: np.random.Generator, start_ms: Ints) -> Ints:
    """Birth dates (days since 1970) of adults of 18 to 85, most of them 25 to 50."""
    age_days = np.clip(rng.normal(38, 12, len(start_ms)), 18, 85) * 365.25
    return (start_ms // DAY_MS - age_days).astype(np.int64)


def _tiers(rng: np.random.Generator, activity: npt.NDArray[np.float64]) -> Ints:
    """Loyalty tiers skewed to bronze, the more active customers more often in higher tiers."""
    score = activity * rng.lognormal(0, 0.7, len(activity))
    rank = np.argsort(np.argsort(score)) / max(len(score), 1)
    return np.searchsorted(np.cumsum(TIER_SHARES)[:-1], rank, side="right").astype(np.int64)


def _streets(rng: np.random.Generator, country: Ints) -> pa.Array:
    """ "12 Main Street" or "Hauptstraße 12", as the country writes it."""
    locale = np.array([LOCALES.index(c.locale) for c in COUNTRIES])[country]
    street = text.pick(STREETS.words, STREETS.pick(rng, locale))
    number = pc.cast(pa.array(1 + rng.geometric(0.04, len(country))), pa.string())
    street_first = np.array([c.street_first for c in COUNTRIES])[country]
    return pc.if_else(
        pa.array(street_first), text.join(street, " ", number), text.join(number, " ", street)
    )


def _interests(rng: np.random.Generator, favourite: Ints) -> pa.Array:
    """Zero to four distinct interests, usually led by the favourite category's one."""
    count = len(favourite)
    keys = rng.random((count, len(INTERESTS)))
    lead = rng.random(count) < 0.7
    keys[np.flatnonzero(lead), _FAVOURITE_INTEREST[favourite[lead]]] = -1.0
    order = np.argsort(keys, axis=1)
    size = rng.choice(5, count, p=[0.1, 0.3, 0.3, 0.2, 0.1])
    chosen = order[np.arange(len(INTERESTS)) < size[:, None]]
    offsets = np.concatenate([[0], np.cumsum(size)]).astype(np.int32)
    values = text.pick(INTERESTS, chosen.astype(np.int64))
    unknown = pa.array(rng.random(count) < 0.15)
    return pa.ListArray.from_arrays(pa.array(offsets), values, mask=unknown)
