"""Visits: when each person comes, on which device and channel, and how far down the funnel.

Session start times follow a weekly rhythm (busier Sundays and Mondays) and a daily one in the
person's local time (a lunchtime bump, an evening peak, quiet nights). The funnel is decided per
session (search, browse depth, add to cart, checkout, purchase) and expanded into events later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from segmint.demo.catalog import CATEGORIES, KEYWORDS, REFERRER_WEIGHTS
from segmint.demo.identities import Identities
from segmint.demo.people import DAY_MS, People
from segmint.demo.places import COUNTRIES

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

WEB, APP, EMAIL = 0, 1, 2
CHANNELS = ("web", "app", "email")
HOUR_MS = 3_600_000
SESSIONS_PER_DAY = 0.075  # for a person of average activity
HOUR_WEIGHTS = np.array(
    [
        1.2,
        0.6,
        0.3,
        0.2,
        0.2,
        0.3,
        0.8,
        1.8,
        2.8,
        3.2,
        3.5,
        3.8,
        4.6,
        4.4,
        3.6,
        3.5,
        3.6,
        4.0,
        4.8,
        5.8,
        6.6,
        6.4,
        4.6,
        2.6,
    ]
)
WEEKDAY_WEIGHTS = np.array([1.08, 0.98, 0.95, 0.97, 0.9, 0.86, 1.12])  # Monday first
UTC_OFFSET_MS = np.array([c.utc_offset for c in COUNTRIES], np.int64) * HOUR_MS


@dataclass(frozen=True)
class Sessions:
    person: Ints
    device: Ints  # device row (see identities.Devices)
    start_ms: Ints
    channel: Ints  # WEB or APP
    logged_in: Bools
    category: Ints  # the category the visit is about
    keyword: Ints  # index into KEYWORDS, -1 without a search
    referrer: Ints  # index into REFERRERS, -1 for direct traffic and app sessions
    browse: Ints  # page and product views after the landing (and search)
    product_share: npt.NDArray[np.float64]  # share of those views that are product views
    add: Bools
    checkout: Bools
    purchase: Bools


def sample_sessions(
    rng: np.random.Generator, people: People, identities: Identities, visit_rate: float = 1.0
) -> Sessions:
    """Each person's visits; ``visit_rate`` scales how often everyone comes (1 is the demo's
    shop; benchmarks raise it to reach a target event count without more people)."""
    active_days = (people.stop_ms - people.start_ms) / DAY_MS
    rate = SESSIONS_PER_DAY * visit_rate * people.activity * active_days
    person = np.repeat(np.arange(people.count), rng.poisson(rate))
    count = len(person)
    start_ms = _start_times(rng, people, person)
    devices = identities.devices
    offset = np.where(
        rng.random(count) < 0.6,
        0,
        1 + (rng.random(count) * (devices.count[person] - 1)).astype(np.int64),
    )
    device = devices.first[person] + np.minimum(offset, devices.count[person] - 1)
    on_phone = devices.kind[device] != 0
    channel = np.where(on_phone & (rng.random(count) < people.app_affinity[person]), APP, WEB)
    chance = np.where(channel == APP, 0.92, people.login_rate[person])
    logged_in = (
        identities.can_login[person]
        & (start_ms >= people.login_ms[person])
        & (
            devices.shared[device]
            | (rng.random(count) < np.where(people.known[person], chance, 1.0))
        )
    )
    popularity = np.array([c.popularity for c in CATEGORIES])
    category = np.where(
        rng.random(count) < 0.55,
        people.favourite[person],
        rng.choice(len(CATEGORIES), count, p=popularity / popularity.sum()),
    )
    bounce = rng.random(count) < 0.25
    searched = ~bounce & (rng.random(count) < np.where(channel == APP, 0.35, 0.3))
    browse = np.where(bounce, 0, rng.geometric(0.3, count))
    conversion = people.conversion[person] * np.where(searched, 1.3, 1.0)
    add = rng.random(count) < np.minimum(np.where(browse > 0, 0.14, 0.02) * conversion, 0.8)
    checkout = add & (rng.random(count) < np.where(logged_in, 0.5, 0.4))
    referred = (channel == WEB) & (rng.random(count) < 0.55)
    return Sessions(
        person=person,
        device=device,
        start_ms=start_ms,
        channel=channel,
        logged_in=logged_in,
        category=category,
        keyword=np.where(searched, _keywords(rng, category), -1),
        referrer=np.where(
            referred, rng.choice(len(REFERRER_WEIGHTS), count, p=REFERRER_WEIGHTS), -1
        ),
        browse=browse,
        product_share=np.where(searched, 0.75, 0.5),
        add=add,
        checkout=checkout,
        purchase=checkout & (rng.random(count) < 0.7),
    )


def _start_times(rng: np.random.Generator, people: People, person: Ints) -> Ints:
    """Times inside each person's active window, shaped by weekday and local hour of day.

    Rejection sampling over whole arrays: draw, keep what passes the weekday weight and falls
    inside the window, redraw the rest; a few rounds settle every session.
    """
    start = people.start_ms[person]
    stop = people.stop_ms[person]
    offset = UTC_OFFSET_MS[people.country[person]]
    result = np.empty(len(person), np.int64)
    todo = np.arange(len(person))
    hours = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()
    weekdays = WEEKDAY_WEIGHTS / WEEKDAY_WEIGHTS.max()
    while todo.size:
        lo, hi, shift = start[todo], stop[todo], offset[todo]
        moment = lo + (rng.random(todo.size) * (hi - lo)).astype(np.int64)
        local_day = (moment + shift) // DAY_MS
        hour = rng.choice(24, todo.size, p=hours)
        within_hour = rng.integers(0, HOUR_MS, todo.size)
        at = local_day * DAY_MS + hour * HOUR_MS + within_hour - shift
        weekday = (local_day + 3) % 7  # 1970-01-01 was a Thursday
        keep = (rng.random(todo.size) < weekdays[weekday]) & (at >= lo) & (at < hi)
        result[todo[keep]] = at[keep]
        todo = todo[~keep]
    return result


def _keyword_edges() -> npt.NDArray[np.float64]:
    """Cumulative keyword weights: as KEYWORDS go category by category and each category's
    shares sum to 1, the keywords of category c fill the interval (c, c + 1]."""
    owner = np.array([k[1] for k in KEYWORDS], np.int64)
    weight = np.array([k[2] for k in KEYWORDS], np.float64)
    return np.cumsum(weight / np.bincount(owner, weight)[owner])


_KEYWORD_EDGES = _keyword_edges()


def _keywords(rng: np.random.Generator, category: Ints) -> Ints:
    """A keyword of each session's category, by weight."""
    found = np.searchsorted(_KEYWORD_EDGES, category + rng.random(len(category)) * 0.999999)
    return np.minimum(found, len(KEYWORDS) - 1).astype(np.int64)
