"""The population: who each person is and how they behave, one NumPy array per trait.

Known customers have a CRM record; anonymous visitors only browse (some register later).
Activity is heavy-tailed (log-normal), some people join during the period and some churn, so
recency and frequency segments have realistic tails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from segmint.demo.catalog import CATEGORIES
from segmint.demo.places import COUNTRIES, LOCALES, NAMES

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

DAY_MS = 86_400_000
KNOWN_SHARE = 0.6  # people with a CRM record
CONVERT_SHARE = 0.3  # anonymous visitors who register during the period
NEW_SHARE = 0.22  # people first seen during the period
CHURN_SHARE = 0.15  # people with no activity in the last 60+ days
CHURN_GAP_MS = 60 * DAY_MS
NEVER = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Vocabulary:
    """One flat word list with a block per locale, so picking for many people is one take."""

    words: tuple[str, ...]
    start: Ints
    count: Ints

    def pick(self, rng: np.random.Generator, locale: Ints) -> Ints:
        return self.start[locale] + (rng.random(len(locale)) * self.count[locale]).astype(np.int64)


def _vocabulary(lists: Sequence[tuple[str, ...]]) -> Vocabulary:
    sizes = np.array([len(words) for words in lists], np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    return Vocabulary(tuple(word for words in lists for word in words), starts, sizes)


#: First names: every locale's female names, then every locale's male names.
FIRST_NAMES = _vocabulary(
    [NAMES[loc].female for loc in LOCALES] + [NAMES[loc].male for loc in LOCALES]
)
LAST_NAMES = _vocabulary([NAMES[loc].last for loc in LOCALES])
STREETS = _vocabulary([NAMES[loc].streets for loc in LOCALES])
#: Cities of every country, country by country.
CITIES = tuple(city for country in COUNTRIES for city in country.cities)
_CITY_VOCABULARY = _vocabulary([tuple(city.name for city in c.cities) for c in COUNTRIES])
COUNTRY_LOCALE = np.array([LOCALES.index(c.locale) for c in COUNTRIES], np.int64)


@dataclass(frozen=True)
class People:
    count: int
    known: Bools
    country: Ints  # index into COUNTRIES
    city: Ints  # index into CITIES
    female: Bools
    first_name: Ints  # index into FIRST_NAMES.words
    last_name: Ints  # index into LAST_NAMES.words
    activity: Floats  # relative session rate, mean 1, heavy-tailed
    conversion: Floats  # relative purchase propensity, mean about 1
    app_affinity: Floats  # chance a phone/tablet session happens in the app
    consent: Bools  # agreed to marketing email
    login_rate: Floats  # chance a known customer's web session is logged in
    favourite: Ints  # favourite product category
    start_ms: Ints  # active window [start, stop)
    stop_ms: Ints
    login_ms: Ints  # from when the person can be logged in (NEVER for anonymous visitors)


def sample_people(rng: np.random.Generator, count: int, begin_ms: int, end_ms: int) -> People:
    shares = np.array([c.share for c in COUNTRIES])
    country = rng.choice(len(COUNTRIES), count, p=shares / shares.sum())
    locale = COUNTRY_LOCALE[country]
    female = rng.random(count) < 0.52
    first_name = FIRST_NAMES.pick(rng, np.where(female, locale, locale + len(LOCALES)))
    known = rng.random(count) < KNOWN_SHARE
    start_ms, stop_ms = _windows(rng, count, begin_ms, end_ms)
    converts = ~known & (rng.random(count) < CONVERT_SHARE)
    login_at = start_ms + ((stop_ms - start_ms) * rng.uniform(0.2, 0.8, count)).astype(np.int64)
    popularity = np.array([c.popularity for c in CATEGORIES])
    return People(
        count=count,
        known=known,
        country=country,
        city=_CITY_VOCABULARY.pick(rng, country),
        female=female,
        first_name=first_name,
        last_name=LAST_NAMES.pick(rng, locale),
        activity=rng.lognormal(-0.6, 1.1, count),
        conversion=rng.lognormal(-0.3, 0.8, count),
        app_affinity=np.where(known, rng.beta(3, 3, count), rng.beta(1, 6, count)),
        consent=known & (rng.random(count) < 0.65),
        login_rate=rng.beta(5, 2, count),
        favourite=rng.choice(len(CATEGORIES), count, p=popularity / popularity.sum()),
        start_ms=start_ms,
        stop_ms=stop_ms,
        login_ms=np.where(known, 0, np.where(converts, login_at, NEVER)),
    )


def _windows(rng: np.random.Generator, count: int, begin_ms: int, end_ms: int) -> tuple[Ints, Ints]:
    """Active windows: most people span the period, some arrive late, some churn early."""
    latest_start = max(begin_ms, end_ms - 7 * DAY_MS)
    late = rng.random(count) < NEW_SHARE
    start = np.where(late, begin_ms + (rng.random(count) * (latest_start - begin_ms)), begin_ms)
    start = start.astype(np.int64)
    churn_by = end_ms - CHURN_GAP_MS
    churned = (rng.random(count) < CHURN_SHARE) & (start < churn_by - 7 * DAY_MS)
    stop_churned = start + 7 * DAY_MS + rng.random(count) * (churn_by - start - 7 * DAY_MS)
    return start, np.where(churned, stop_churned.astype(np.int64), end_ms)
