"""Content negotiation for resources with an HTML form: the ``Accept`` header's quality values
decide (RFC 9110 section 12.5.1); a tie, or no header, keeps JSON."""

from __future__ import annotations


def _weights(accept: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for item in accept.split(","):
        media, *parameters = (part.strip() for part in item.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            weights[media.lower()] = max(quality, weights.get(media.lower(), 0.0))
    return weights


def _quality(weights: dict[str, float], media: str) -> float:
    kind = media.split("/")[0]
    for candidate in (media, f"{kind}/*", "*/*"):
        if candidate in weights:
            return weights[candidate]
    return 0.0


def prefers_html(accept: str) -> bool:
    weights = _weights(accept)
    return _quality(weights, "text/html") > _quality(weights, "application/json")
