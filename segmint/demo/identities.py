"""Identities in four namespaces (crmId, email, phone, ecid) with the overlaps that make
stitching matter: people on two devices, visitors who register, devices shared by two customers,
and junk values typed into several CRM records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from segmint.demo import text
from segmint.demo.people import CITIES, FIRST_NAMES, LAST_NAMES, NEVER, People
from segmint.demo.places import COUNTRIES, email_slug

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

DEVICE_TYPES = ("desktop", "mobile", "tablet")
JUNK_EMAIL = "test@test.com"
JUNK_PHONE = "0000000000"
TWO_DEVICE_SHARE = 0.3
SHARED_DEVICE_SHARE = 0.01  # of known customers, in pairs sharing one computer
JUNK_SHARE = 0.003  # of known customers, per junk value


@dataclass(frozen=True)
class Devices:
    """Device rows, person by person: a person's rows are ``first[p] .. first[p] + count[p]``."""

    owner: Ints
    ecid: Ints  # index into Identities.ecids; a shared row points at its partner's device
    kind: Ints  # index into DEVICE_TYPES
    shared: Bools
    first: Ints
    count: Ints


@dataclass(frozen=True)
class Identities:
    crm_id: pa.Array  # per person; only known customers' values are used
    email: pa.Array  # per person: the login email, null for visitors who never register
    crm_email: pa.Array  # per person: the CRM's email cell (the real one or junk)
    crm_phone: pa.Array  # per person: the CRM's phone cell (real, junk or null)
    can_login: Bools
    ecids: pa.Array
    devices: Devices


def sample_identities(rng: np.random.Generator, people: People) -> Identities:
    known = np.flatnonzero(people.known)
    chosen = rng.permutation(known)
    pairs = min(max(2, round(SHARED_DEVICE_SHARE * len(known))), len(known) // 2)
    junk = max(3, round(JUNK_SHARE * len(known)))
    junk_email = np.zeros(people.count, bool)
    junk_email[chosen[2 * pairs : 2 * pairs + junk]] = True
    junk_phone = np.zeros(people.count, bool)
    others = chosen[2 * pairs :]
    junk_phone[rng.choice(others, min(junk, len(others)), replace=False)] = True
    partner = np.full(people.count, -1, np.int64)
    partner[chosen[pairs : 2 * pairs]] = chosen[:pairs]

    has_email = people.login_ms < NEVER
    email = text.mask(_emails(rng, people), ~has_email)
    phone = _phones(rng, people)
    phone = text.mask(
        pc.if_else(pa.array(junk_phone), JUNK_PHONE, phone),
        ~junk_phone & (rng.random(people.count) < 0.08),
    )
    devices = _devices(rng, people.count, partner)
    numbers = rng.choice(90_000_000, people.count, replace=False) + 10_000_000
    return Identities(
        crm_id=text.join("CRM", text.from_chars(text.digit_chars(numbers, 8))),
        email=email,
        crm_email=pc.if_else(pa.array(junk_email), JUNK_EMAIL, email),
        crm_phone=phone,
        can_login=has_email & ~junk_email,
        ecids=_ecids(rng, int(devices.ecid.max()) + 1),
        devices=devices,
    )


def _devices(rng: np.random.Generator, count: int, partner: Ints) -> Devices:
    """Own devices (one or two per person) plus one borrowed row per shared-device partner."""
    own = 1 + (rng.random(count) < TWO_DEVICE_SHARE).astype(np.int64)
    own_first = np.concatenate([[0], np.cumsum(own)[:-1]]).astype(np.int64)
    kind_first = rng.choice(3, count, p=[0.35, 0.55, 0.10])
    kind_second = np.where(kind_first == 1, np.where(rng.random(count) < 0.7, 0, 2), 1)
    rows = own + (partner >= 0)
    first = np.concatenate([[0], np.cumsum(rows)[:-1]]).astype(np.int64)
    owner = np.repeat(np.arange(count), rows)
    position = np.arange(len(owner)) - first[owner]
    borrowed = position >= own[owner]
    lender = np.where(borrowed, partner[owner], owner)
    return Devices(
        owner=owner,
        ecid=np.where(borrowed, own_first[lender], own_first[owner] + position),
        kind=np.where(borrowed | (position == 0), kind_first[lender], kind_second[owner]),
        shared=borrowed | np.isin(owner, partner[partner >= 0]) & (position == 0),
        first=first,
        count=rows,
    )


def _ecids(rng: np.random.Generator, count: int) -> pa.Array:
    """38-digit Experience Cloud IDs, one per physical device."""
    chars = text.random_digits(rng, count, 38)
    chars[:, 0] = rng.integers(ord("1"), ord("9") + 1, count, dtype=np.uint8)
    return text.from_chars(chars)


def _emails(rng: np.random.Generator, people: People) -> pa.Array:
    """first.last@domain in a few spellings; a collision gets a number that makes it unique."""
    first = text.pick([email_slug(name) for name in FIRST_NAMES.words], people.first_name)
    last = text.pick([email_slug(name) for name in LAST_NAMES.words], people.last_name)
    style = rng.choice(5, people.count, p=[0.4, 0.2, 0.1, 0.2, 0.1])
    initial = pc.utf8_slice_codeunits(first, 0, 1)
    local = pc.case_when(
        pc.make_struct(*(pa.array(style == k) for k in range(4))),
        text.join(first, ".", last),
        text.join(first, last),
        text.join(first, "_", last),
        text.join(initial, last),
        text.join(last, ".", first),
    )
    suffix = text.digit_chars(rng.integers(1, 100, people.count), 2)
    local = pc.if_else(
        pa.array(rng.random(people.count) < 0.4), text.join(local, text.from_chars(suffix)), local
    )
    domains = [(c, d) for c, country in enumerate(COUNTRIES) for d in country.domains]
    counts = np.array([len(c.domains) for c in COUNTRIES], np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    domain_index = starts[people.country] + (
        rng.random(people.count) ** 1.5 * counts[people.country]
    ).astype(np.int64)
    domain = text.pick([d for _, d in domains], domain_index)
    email = text.join(local, "@", domain)
    codes = pc.index_in(email, pc.unique(email)).to_numpy(zero_copy_only=False)
    clash = np.bincount(codes)[codes] > 1
    unique = text.join(
        local, ".", text.from_chars(text.digit_chars(np.arange(people.count), 7)), "@", domain
    )
    return pc.if_else(pa.array(clash), unique, email)


def _phones(rng: np.random.Generator, people: People) -> pa.Array:
    """Mobile numbers in E.164; North American ones use the area code of the person's city."""
    patterns: list[str] = []
    start = np.zeros(len(COUNTRIES), np.int64)
    count = np.zeros(len(COUNTRIES), np.int64)
    for index, country in enumerate(COUNTRIES):
        start[index], count[index] = len(patterns), len(country.phone)
        patterns.extend(country.phone)
    by_city = [f"+1{city.area}#######" for city in CITIES]
    city_pattern = np.where(
        [bool(city.area) for city in CITIES], len(patterns) + np.arange(len(CITIES)), -1
    )
    pick = start[people.country] + (rng.random(people.count) * count[people.country]).astype(
        np.int64
    )
    pick = np.where(city_pattern[people.city] >= 0, city_pattern[people.city], pick)
    return text.fill(rng, [*patterns, *by_city], pick)
