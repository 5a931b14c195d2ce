"""Checking and converting one input value to a schema type, with a message when it does not fit.

Text input (CSV cells) is parsed; JSON input must already have the right JSON type, except that
dates and datetimes are ISO-8601 strings and integers are accepted where numbers are expected.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import orjson

from segmint.schema.fields import FieldType

Converted = tuple[Any, str | None]  # (value, problem message or None)


def _shown(value: Any) -> str:
    """The value as a message quotes it: JSON, as the input had it (an integer past 64 bits
    and NaN too, which orjson refuses or writes as null)."""
    text = (
        f'"{value}"'
        if isinstance(value, str)
        else json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))
    )
    return text if len(text) <= 40 else text[:37] + "..."


def _expected(kind: str, value: Any) -> Converted:
    return None, f"expected {kind}, got {_shown(value)}"


#: The longest ISO date with a "Z" after it ("2026-W01-1Z"): longer text has a time too.
_LONGEST_DATE_Z = 11


def parse_datetime(text: str) -> datetime:
    """ISO-8601 with optional zone; the result is naive UTC, as stored."""
    text = text.strip()
    if len(text) > _LONGEST_DATE_Z and text[-1] == "Z":
        # UTC, the commonest form: parsed without its "Z" it is naive already, 7x faster than
        # making an aware datetime to convert (a date with "Z" and no time is not accepted).
        try:
            naive = datetime.fromisoformat(text[:-1])
        except ValueError:
            naive = None  # the whole text decides below
        if naive is not None and naive.tzinfo is None:
            return naive
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def convert(value: Any, field_type: FieldType, *, from_text: bool) -> Converted:
    return CONVERTERS[field_type](value, from_text)


def _string(value: Any, from_text: bool) -> Converted:
    if isinstance(value, str):
        return value, None
    return _expected("a string", value)


#: The integers a field can hold (stored as BIGINT).
_INTEGERS = range(-(2**63), 2**63)


def _integer(value: Any, from_text: bool) -> Converted:
    found, problem = _integer_value(value, from_text)
    if problem is None and found not in _INTEGERS:
        return None, f"expected an integer from {_INTEGERS[0]} to {_INTEGERS[-1]}, got {value}"
    return found, problem


def _integer_value(value: Any, from_text: bool) -> Converted:
    if from_text and isinstance(value, str):
        try:
            return int(value.strip()), None
        except ValueError:
            return _expected("integer", value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value, None
    if isinstance(value, float) and value.is_integer():
        return int(value), None
    return _expected("integer", value)


def _number(value: Any, from_text: bool) -> Converted:
    if from_text and isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return _expected("number", value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        return _expected("number", value)
    if not math.isfinite(number):
        return _expected("a finite number", value)
    return number, None


def _boolean(value: Any, from_text: bool) -> Converted:
    if isinstance(value, bool):
        return value, None
    if from_text and isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true", None
    return _expected("boolean (true or false)", value)


def _temporal(value: Any, kind: str, parse: Any) -> Converted:
    if not isinstance(value, str):
        return _expected(kind, value)
    try:
        return parse(value), None
    except ValueError:
        return _expected(kind, value)


def _map(value: Any, from_text: bool) -> Converted:
    if from_text and isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            return _expected('a JSON object of strings, e.g. {"k": "v"}', value)
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return list(value.items()), None
    return _expected("an object of string values", value)


def _date(value: Any, from_text: bool) -> Converted:
    return _temporal(value, "a date (YYYY-MM-DD)", date.fromisoformat)


def _datetime(value: Any, from_text: bool) -> Converted:
    return _temporal(value, "a datetime (ISO 8601, e.g. 2026-05-01T12:00:00Z)", parse_datetime)


#: Each type's conversion of one value (``from_text``: the value is text to parse).
CONVERTERS: dict[FieldType, Callable[[Any, bool], Converted]] = {
    FieldType.STRING: _string,
    FieldType.INTEGER: _integer,
    FieldType.NUMBER: _number,
    FieldType.BOOLEAN: _boolean,
    FieldType.DATE: _date,
    FieldType.DATETIME: _datetime,
    FieldType.MAP: _map,
}
