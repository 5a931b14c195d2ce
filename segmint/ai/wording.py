"""Features in a marketer's words: "no purchase in the last 62 days", "3 cart adds in 30 days",
"loyalty tier is gold". A factor is only useful if the person reading it can act on it."""

from __future__ import annotations

import math
import re

import numpy as np

from segmint.ai.features import ANY_EVENT, GOAL, Feature, Kind

#: Singular and plural names of common XDM event types.
EVENT_NAMES = {
    "commerce.purchases": ("purchase", "purchases"),
    "commerce.productListAdds": ("cart add", "cart adds"),
    "commerce.productListRemovals": ("cart removal", "cart removals"),
    "commerce.productListOpens": ("cart open", "cart opens"),
    "commerce.checkouts": ("checkout", "checkouts"),
    "commerce.productViews": ("product view", "product views"),
    "web.webpagedetails.pageViews": ("page view", "page views"),
    "web.webinteraction.linkClicks": ("link click", "link clicks"),
    "search": ("search", "searches"),
    "application.launch": ("app launch", "app launches"),
    "directMarketing.emailOpened": ("email open", "email opens"),
    "directMarketing.emailClicked": ("email click", "email clicks"),
}
ATTRIBUTE_NAMES = {"homeAddress.countryCode": "country", "loyalty.tier": "loyalty tier"}


def event_names(event_type: str) -> tuple[str, str]:
    """(singular, plural) of an event type; unknown types from their last name part."""
    if event_type in EVENT_NAMES:
        return EVENT_NAMES[event_type]
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", event_type.rsplit(".", 1)[-1]).lower()
    return f"{words} event", f"{words} events"


def attribute_name(path: str) -> str:
    return ATTRIBUTE_NAMES.get(path, path)


#: Kinds whose phrase shows a value's whole part only (days, counts).
WHOLE_KINDS = frozenset({Kind.RECENCY, Kind.COUNT, Kind.TREND, Kind.TENURE})


def shown(feature: Feature, values: np.ndarray) -> np.ndarray:
    """What of each value the phrase shows: values alike in it are worded alike, so a million
    profiles' factors need only their distinct phrases worded."""
    return np.trunc(values) if feature.kind in WHOLE_KINDS else values


def describe(feature: Feature, value: float, text: str | None, goal_type: str | None) -> str:
    """One feature's value for one profile, as a phrase."""
    if feature.kind is Kind.CATEGORY:
        name = attribute_name(feature.subject)
        return f"{name} is {text}" if text is not None else f"{name} not set"
    if feature.kind is Kind.ATTRIBUTE:
        name = attribute_name(feature.subject)
        return f"{name} not set" if math.isnan(value) else f"{name} is {value:g}"
    one, many = _subject(feature.subject, goal_type)
    period = f"in {feature.days} days" if feature.days is not None else "in total"
    if feature.kind is Kind.RECENCY:
        if math.isnan(value):
            return f"no {one} ever"
        days = int(value)
        if days < 1:
            return f"last {one} less than a day ago"
        return f"no {one} in the last {days} days" if days > 1 else f"no {one} since yesterday"
    if feature.kind is Kind.COUNT:
        count = int(value)
        return (
            f"no {many} {period}"
            if count == 0
            else f"{count} {one if count == 1 else many} {period}"
        )
    if feature.kind is Kind.SPEND:
        return f"no spend {period}" if value == 0 else f"spent {value:,.2f} {period}"
    if feature.kind is Kind.TREND:
        change = int(value)
        earlier = f"the {feature.days} days before"
        if change == 0:
            return f"as many {many} in the last {feature.days} days as {earlier}"
        more = "more" if change > 0 else "fewer"
        return f"{abs(change)} {more} {many} in the last {feature.days} days than {earlier}"
    if feature.kind is Kind.TENURE:
        return f"first seen {int(value)} days ago"
    if math.isnan(value):  # the gap is over all events
        return "only one event so far"
    return f"an event every {value:.1f} days on average"


def _subject(subject: str, goal_type: str | None) -> tuple[str, str]:
    if subject == ANY_EVENT:
        return "activity", "events"
    if subject == GOAL:
        return event_names(goal_type) if goal_type else ("goal event", "goal events")
    return event_names(subject)
