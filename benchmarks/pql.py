"""PQL front end throughput: parse, then parse + bind (the logical plan), of 1,000 realistic
definitions, against a baseline measured in the same process (tokenizing alone).

    python benchmarks/pql.py --runs 5
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from harness import median_seconds
from rich.console import Console
from rich.table import Table

from segmint.demo.segments import DEMO_SEGMENTS
from segmint.plan.bind import bind
from segmint.pql import parse
from segmint.pql.tokens import tokenize
from segmint.schema.defaults import default_schemas
from segmint.schema.model import SchemaClass

COUNTRIES = ("US", "GB", "DE", "FR", "NL", "CA")


def definitions(count: int) -> list[str]:
    """The demo's segments with their constants varied, as a catalogue of many audiences."""
    base = [spec.pql for spec in DEMO_SEGMENTS if "inSegment" not in spec.pql]
    found = []
    for index in range(count):
        text = base[index % len(base)]
        text = text.replace('"US"', f'"{COUNTRIES[index % len(COUNTRIES)]}"')
        text = text.replace("30 days", f"{7 + index % 60} days").replace("> 200", f"> {50 + index}")
        found.append(text)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    texts = definitions(args.count)
    schemas = default_schemas()
    profile, event = schemas[SchemaClass.PROFILE], schemas[SchemaClass.EVENT]
    stages: list[tuple[str, Callable[[], object]]] = [
        ("tokenize (baseline)", lambda: [tokenize(text) for text in texts]),
        ("parse", lambda: [parse(text) for text in texts]),
        ("parse + bind + plan", lambda: [bind(parse(text), profile, event) for text in texts]),
    ]
    results = [(name, median_seconds(action, args.runs)) for name, action in stages]
    baseline = results[0][1]
    view = Table(title=f"{args.count:,} definitions, median of {args.runs} runs")
    for column in ("stage", "seconds", "definitions/s", "ratio to tokenize"):
        view.add_column(column, justify="right")
    for name, seconds in results:
        view.add_row(
            name, f"{seconds:.3f}", f"{args.count / seconds:,.0f}", f"{seconds / baseline:.2f}x"
        )
    Console(width=120).print(view)


if __name__ == "__main__":
    main()
