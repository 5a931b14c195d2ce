"""Events: visits expanded into page views, searches, product views and the purchase funnel,
plus email opens and clicks; still NumPy arrays, one row per event.

A session becomes ``landing, [search], views..., [add to cart, [checkout, [purchase]]]`` with a
few seconds to minutes between steps, so adds follow the last product view closely and
checkouts carry the cart that the purchase then pays for.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from segmint.demo.catalog import CATEGORIES, PAGES, PRODUCTS
from segmint.demo.identities import Identities
from segmint.demo.people import People
from segmint.demo.sessions import APP, EMAIL, Sessions

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

EVENT_TYPES = (
    "web.webpagedetails.pageViews",
    "commerce.productViews",
    "search",
    "commerce.productListAdds",
    "commerce.checkouts",
    "commerce.purchases",
    "directMarketing.emailOpened",
    "directMarketing.emailClicked",
    "application.launch",
)
PAGE_VIEW, PRODUCT_VIEW, SEARCH, ADD, CHECKOUT, PURCHASE, OPENED, CLICKED, LAUNCH = range(9)

_CATEGORY_OF = np.array([p.category for p in PRODUCTS], np.int64)
_CATEGORY_FIRST = np.searchsorted(_CATEGORY_OF, np.arange(len(CATEGORIES)))
_CATEGORY_SIZE = np.bincount(_CATEGORY_OF, minlength=len(CATEGORIES))


@dataclass(frozen=True)
class Events:
    """One row per event; productListItems as a CSR layout (``item_offsets`` per event + 1)."""

    timestamp_ms: Ints
    kind: Ints  # index into EVENT_TYPES
    channel: Ints  # WEB, APP or EMAIL
    person: Ints
    ecid: Ints  # index into Identities.ecids, -1 for email events
    device_kind: Ints  # index into identities.DEVICE_TYPES
    logged_in: Bools  # carries the person's email beside the ecid
    page: Ints  # index into PAGES, -1 when none
    referrer: Ints  # index into REFERRERS, -1 when none
    keyword: Ints  # index into KEYWORDS, -1 when none
    campaign: Ints  # index into the campaign list, -1 when none
    order: Ints  # order number of a purchase, 0 for other events
    item_offsets: Ints
    item_product: Ints
    item_quantity: Ints

    def __len__(self) -> int:
        return len(self.kind)

    def take(self, index: Ints) -> Events:
        """The events at ``index``, in that order, with their items."""
        size = np.diff(self.item_offsets)[index]
        offsets = np.concatenate([[0], np.cumsum(size)]).astype(np.int64)
        items = np.repeat(self.item_offsets[index] - offsets[:-1], size) + np.arange(offsets[-1])
        per_event = {
            f.name: getattr(self, f.name)[index]
            for f in fields(self)
            if not f.name.startswith("item_")
        }
        return Events(
            **per_event,
            item_offsets=offsets,
            item_product=self.item_product[items],
            item_quantity=self.item_quantity[items],
        )

    def slice(self, start: int, stop: int) -> Events:
        """Events ``start`` to ``stop`` as views (no copy), with their items."""
        first, last = self.item_offsets[start], self.item_offsets[stop]
        per_event = {
            f.name: getattr(self, f.name)[start:stop]
            for f in fields(self)
            if not f.name.startswith("item_")
        }
        return Events(
            **per_event,
            item_offsets=self.item_offsets[start : stop + 1] - first,
            item_product=self.item_product[first:last],
            item_quantity=self.item_quantity[first:last],
        )


def session_events(rng: np.random.Generator, sessions: Sessions, identities: Identities) -> Events:
    """Expand sessions (all of one channel, or mixed) into their events."""
    searched = (sessions.keyword >= 0).astype(np.int64)
    tail = sessions.add.astype(np.int64) + sessions.checkout + sessions.purchase
    length = 1 + searched + sessions.browse + tail
    first = np.concatenate([[0], np.cumsum(length)[:-1]]).astype(np.int64)
    session = np.repeat(np.arange(len(length)), length)
    count = len(session)
    position = np.arange(count) - first[session]
    browse_end = 1 + searched[session] + sessions.browse[session]
    kind = np.where(rng.random(count) < sessions.product_share[session], PRODUCT_VIEW, PAGE_VIEW)
    kind[position <= searched[session]] = SEARCH
    kind[first] = np.where(sessions.channel == APP, LAUNCH, PAGE_VIEW)
    funnel = np.flatnonzero(position >= browse_end)  # add to cart, checkout, purchase in turn
    kind[funnel] = ADD + position[funnel] - browse_end[funnel]
    category = sessions.category[session]
    product = _CATEGORY_FIRST[category] + (rng.random(count) * _CATEGORY_SIZE[category]).astype(
        np.int64
    )
    last_view = np.maximum.reduceat(np.where(kind == PRODUCT_VIEW, np.arange(count), -1), first)
    adds = np.flatnonzero(kind == ADD)
    viewed = last_view[session[adds]]
    product[adds[viewed >= 0]] = product[viewed[viewed >= 0]]  # add what was looked at last
    gaps = 3_000 + rng.exponential(45_000, count).astype(np.int64)
    gaps[first] = 0
    elapsed = np.cumsum(gaps)
    device = sessions.device[session]
    offsets, item_product, item_quantity = _items(rng, kind, product, session)
    return Events(
        timestamp_ms=sessions.start_ms[session] + elapsed - elapsed[first[session]],
        kind=kind,
        channel=sessions.channel[session],
        person=sessions.person[session],
        ecid=identities.devices.ecid[device],
        device_kind=identities.devices.kind[device],
        logged_in=sessions.logged_in[session],
        page=_pages(rng, kind, first, category, product, sessions.keyword[session]),
        referrer=_at(first, sessions.referrer, count),
        keyword=np.where(kind == SEARCH, sessions.keyword[session], -1),
        campaign=np.full(count, -1, np.int64),
        order=np.zeros(count, np.int64),
        item_offsets=offsets,
        item_product=item_product,
        item_quantity=item_quantity,
    )


def _at(first: Ints, values: Ints, count: int) -> Ints:
    """A per-session value on each session's first event, -1 on the others."""
    result = np.full(count, -1, np.int64)
    result[first] = values
    return result


def _pages(
    rng: np.random.Generator, kind: Ints, first: Ints, category: Ints, product: Ints, keyword: Ints
) -> Ints:
    """Landing on home or a category page; wandering to category and utility pages."""
    count = len(kind)
    browse = np.array(PAGES.browse, np.int64)
    page = np.where(
        rng.random(count) < 0.5,
        PAGES.category + category,
        browse[rng.integers(0, len(browse), count)],
    )
    page[first] = np.where(rng.random(len(first)) < 0.5, 0, PAGES.category + category[first])
    for kinds, where in (
        ((PRODUCT_VIEW, ADD), PAGES.product + product),
        ((SEARCH,), PAGES.search + keyword),
    ):
        chosen = np.flatnonzero(np.isin(kind, kinds))
        page[chosen] = where[chosen]
    page[kind == CHECKOUT] = PAGES.checkout
    page[kind == PURCHASE] = PAGES.confirmation
    page[kind == LAUNCH] = -1
    return page


def _items(
    rng: np.random.Generator, kind: Ints, product: Ints, session: Ints
) -> tuple[Ints, Ints, Ints]:
    """productListItems: the viewed or added product, or at checkout and purchase the cart
    (the added product plus sometimes a product or two more, some in quantity)."""
    carted = kind == CHECKOUT
    cart_session = session[carted]
    cart_size = 1 + rng.binomial(2, 0.15, len(cart_session))
    cart_first = np.concatenate([[0], np.cumsum(cart_size)[:-1]]).astype(np.int64)
    cart_product = rng.integers(0, len(PRODUCTS), int(cart_size.sum()))
    cart_product[cart_first] = product[np.flatnonzero(carted) - 1]  # the add just before
    cart_quantity = rng.choice([1, 2, 3], len(cart_product), p=[0.88, 0.1, 0.02])
    cart_of = np.full(int(session.max(initial=-1)) + 1, -1, np.int64)
    cart_of[cart_session] = np.arange(len(cart_session))
    with_cart = carted | (kind == PURCHASE)
    size = ((kind == PRODUCT_VIEW) | (kind == ADD)).astype(np.int64)
    size[with_cart] = cart_size[cart_of[session[with_cart]]]
    offsets = np.concatenate([[0], np.cumsum(size)]).astype(np.int64)
    owner = np.repeat(np.arange(len(kind)), size)
    within = np.arange(len(owner)) - offsets[owner]
    from_cart = with_cart[owner]
    in_cart = cart_first[cart_of[session[owner[from_cart]]]] + within[from_cart]
    item_product = product[owner]
    item_product[from_cart] = cart_product[in_cart]
    item_quantity = np.ones(len(owner), np.int64)
    item_quantity[from_cart] = cart_quantity[in_cart]
    return offsets, item_product, item_quantity


def email_events(
    rng: np.random.Generator,
    people: People,
    identities: Identities,
    sends: list[tuple[str, int]],
    end_ms: int,
) -> Events:
    """Opens and clicks of campaign emails by consenting customers (sends are not events)."""
    reachable = people.known & people.consent & identities.can_login
    recipient = np.flatnonzero(reachable)
    send_ms = np.array([at for _, at in sends], np.int64)
    propensity = rng.beta(1.2, 4.5, len(recipient))
    opens = rng.binomial(len(sends), propensity)
    person = np.repeat(recipient, opens)
    campaign = rng.integers(0, len(sends), len(person))
    pair = np.unique(person * len(sends) + campaign)  # an email is opened once at most
    person, campaign = pair // len(sends), pair % len(sends)
    opened = send_ms[campaign] + rng.lognormal(np.log(2 * 3_600_000), 1.3, len(person)).astype(
        np.int64
    )
    clicked = rng.random(len(person)) < 0.2
    click_ms = opened + 10_000 + rng.exponential(60_000, len(person)).astype(np.int64)
    timestamp = np.concatenate([opened, click_ms[clicked]])
    person = np.concatenate([person, person[clicked]])
    campaign = np.concatenate([campaign, campaign[clicked]])
    kind = np.concatenate([np.full(len(opened), OPENED), np.full(int(clicked.sum()), CLICKED)])
    device_kind = rng.choice(3, len(opened), p=[0.3, 0.62, 0.08])
    device_kind = np.concatenate([device_kind, device_kind[clicked]])
    keep = (timestamp >= send_ms[campaign]) & (
        timestamp < np.minimum(people.stop_ms[person], end_ms)
    )
    keep &= send_ms[campaign] >= people.start_ms[person]
    count = int(keep.sum())
    none = np.full(count, -1, np.int64)
    return Events(
        timestamp_ms=timestamp[keep],
        kind=kind[keep],
        channel=np.full(count, EMAIL, np.int64),
        person=person[keep],
        ecid=none,
        device_kind=device_kind[keep],
        logged_in=np.ones(count, bool),
        page=none,
        referrer=none,
        keyword=none,
        campaign=campaign[keep],
        order=np.zeros(count, np.int64),
        item_offsets=np.zeros(count + 1, np.int64),
        item_product=np.zeros(0, np.int64),
        item_quantity=np.zeros(0, np.int64),
    )
