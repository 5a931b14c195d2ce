"""The PQL language front end: text and PQL JSON to and from one syntax tree (``ast``)."""

from __future__ import annotations

from segmint.pql.json_form import from_json, to_json
from segmint.pql.parser import parse
from segmint.pql.printer import to_pql
from segmint.pql.source import PQLSyntaxError

__all__ = ["parse", "to_pql", "to_json", "from_json", "PQLSyntaxError"]
