"""Random block definitions in normal form over the default schemas: blocks -> plan -> blocks
gives them back, and the plan printed as PQL binds to the same plan."""

from __future__ import annotations

import itertools
from typing import Any, get_args

from hypothesis import given
from hypothesis import strategies as st

from segmint.plan.bind import bind
from segmint.plan.blocks import blocks_to_plan, dump_blocks, load_blocks, plan_to_blocks
from segmint.plan.blocks.model import Container, TimeKind, Unit
from segmint.plan.blocks.rules import operators
from segmint.plan.types import Kind
from segmint.plan.unbind import to_ast
from segmint.pql import parse, to_pql
from segmint.schema.defaults import default_schemas
from segmint.schema.model import Schema, SchemaClass

SCHEMAS = default_schemas()
PROFILE, EVENT = SCHEMAS[SchemaClass.PROFILE], SCHEMAS[SchemaClass.EVENT]
CASED = ("equals", "doesNotEqual", "contains", "doesNotContain", "startsWith",
         "doesNotStartWith", "endsWith", "doesNotEndWith", "in")  # fmt: skip
Json = dict[str, Any]

words = st.text(max_size=6)
integers = st.integers(-(10**6), 10**6)
numbers = integers | st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
days = st.dates().map(lambda day: day.isoformat())
units = st.sampled_from(get_args(Unit))
amounts = st.integers(1, 500)


def fields_of(schema: Schema, *, leave_out: tuple[str, ...] = ()) -> list[tuple[str, Kind]]:
    return sorted(
        (path.replace("[]", ""), Kind(kind.value))
        for path, kind in schema.fields.items()
        if path not in leave_out
    )


@st.composite
def time_constraints(draw: st.DrawFn) -> Json:
    kind = draw(st.sampled_from(get_args(TimeKind)))
    if kind in ("inLast", "inNext") or (kind == "before" and draw(st.booleans())):
        return {"kind": kind, "amount": draw(amounts), "unit": draw(units)}
    if kind in ("before", "after", "on"):
        return {"kind": kind, "date": draw(days)}
    if kind == "between":
        start, end = draw(st.lists(days, min_size=2, max_size=2, unique=True))
        return {"kind": kind, "from": start, "to": end}
    return {"kind": kind}


def as_condition_value(time: Json) -> Json:
    """A time constraint as the operator and value of a date condition."""
    found: Json = {"operator": time["kind"]}
    if "amount" in time:
        found.update(value=time["amount"], unit=time["unit"])
    elif "date" in time:
        found["value"] = time["date"]
    elif "from" in time:
        found["value"] = [time["from"], time["to"]]
    return found


@st.composite
def conditions(draw: st.DrawFn, fields: list[tuple[str, Kind]]) -> Json:
    path, kind = draw(st.sampled_from(fields))
    operator = draw(st.sampled_from(operators(kind)))
    found: Json = {"field": path, "operator": operator}
    if kind in (Kind.DATE, Kind.DATETIME) and operator in get_args(TimeKind):
        return {"field": path, **as_condition_value(draw(time_constraints().filter(
            lambda time: time["kind"] == operator)))}  # fmt: skip
    value = words if kind is Kind.STRING else numbers
    if operator in ("exists", "doesNotExist", "isTrue", "isFalse"):
        return found
    if operator == "matches":
        return {**found, "value": draw(st.sampled_from(["^a", "b+$", "(?i)x|y", "[0-9]{2}"]))}
    if operator == "between":
        return {**found, "value": draw(st.lists(numbers, min_size=2, max_size=2))}
    cased = kind is Kind.STRING and operator in CASED and draw(st.booleans())
    if cased:
        found["caseSensitive"] = False
    if operator in ("in", "notIn"):
        return {**found, "value": draw(st.lists(value, min_size=2 if cased else 1, max_size=3))}
    return {**found, "value": draw(value)}


def merges_into_between(items: list[Json]) -> bool:
    """Whether adjacent ``atLeast``, ``atMost`` on one field would read back as ``between``."""
    return any(
        first.get("operator") == "atLeast" and second.get("operator") == "atMost"
        and first.get("field") == second.get("field")
        for first, second in itertools.pairwise(items)
    )  # fmt: skip


event_fields = fields_of(EVENT, leave_out=("timestamp",))
event_conditions = st.lists(conditions(event_fields), max_size=3).filter(
    lambda found: not merges_into_between(found)
)
counts = st.sampled_from(["atLeast", "exactly", "atMost", "none"]).flatmap(
    lambda op: st.just({"operator": op}) if op == "none"
    else st.integers(1, 5).map(lambda n: {"operator": op, "value": n})
)  # fmt: skip
aggregates = st.fixed_dictionaries({
    "function": st.sampled_from(["sum", "average", "min", "max"]),
    "field": st.sampled_from([path for path, kind in event_fields if kind is Kind.NUMBER
                              and not path.startswith("productListItems")]),
    "operator": st.sampled_from(["equals", "doesNotEqual", "greaterThan", "lessThan",
                                 "atLeast", "atMost"]),
    "value": numbers,
})  # fmt: skip


@st.composite
def events(draw: st.DrawFn) -> Json:
    found: Json = {"type": "event", "conditions": draw(event_conditions)}
    if draw(st.booleans()):
        found["time"] = draw(time_constraints())
    if draw(st.booleans()):
        found["aggregate"] = draw(aggregates)
    else:
        found["count"] = draw(counts)
    return found


gaps = st.fixed_dictionaries({"amount": amounts, "unit": units})


@st.composite
def sequences(draw: st.DrawFn) -> Json:
    shared = draw(st.none() | time_constraints())
    steps: list[Json] = []
    for n in range(draw(st.integers(1, 3))):
        step: Json = {"conditions": draw(event_conditions), "count": draw(st.integers(1, 3))}
        for gap in ("within", "after"):
            if n and draw(st.booleans()):
                step[gap] = draw(gaps)
        if shared is None and draw(st.booleans()):
            step["time"] = draw(time_constraints())
        steps.append(step)
    times = [step.get("time") for step in steps]
    if times[0] is not None and times.count(times[0]) == len(times):
        del steps[-1]["time"]
    return {"type": "sequence", "steps": steps, **({"time": shared} if shared else {})}


audiences = st.fixed_dictionaries(
    {"type": st.just("audience"), "ref": st.sampled_from(["vip", "churn-risk", "seg-42"]),
     "include": st.booleans()}
)  # fmt: skip
attributes = conditions(fields_of(PROFILE)).map(lambda found: {"type": "attribute", **found})
rules = attributes | events() | sequences() | audiences


def containers(logic: str, depth: int) -> st.SearchStrategy[Json]:
    """Containers that may sit in a container of ``logic``, in normal form."""
    if depth == 0:
        return st.nothing()
    inner = st.sampled_from(["and", "or"]).flatmap(lambda own: item_lists(own, depth - 1))
    included = item_lists("or" if logic == "and" else "and", depth - 1).map(
        lambda found: {**found, "include": True}
    )
    single = (rules.filter(lambda rule: rule["type"] != "audience") | containers("and", depth - 1)
              .filter(lambda found: not found["include"]))  # fmt: skip
    excluded = inner | single.map(lambda rule: {"logic": "and", "items": [rule]})
    return (included | excluded.map(lambda found: {**found, "include": False})).map(
        lambda found: {"type": "container", **found}
    )


def item_lists(logic: str, depth: int) -> st.SearchStrategy[Json]:
    """Two or more items joined by ``logic``."""
    items = st.lists(rules | containers(logic, depth), min_size=2, max_size=4)
    return items.filter(lambda found: logic == "or" or not merges_into_between(found)).map(
        lambda found: {"logic": logic, "items": found}
    )


@st.composite
def definitions(draw: st.DrawFn) -> Container:
    include = draw(st.booleans())
    if draw(st.booleans()):
        root = draw(st.sampled_from(["and", "or"]).flatmap(lambda logic: item_lists(logic, 2)))
    else:
        one = rules if include else rules.filter(lambda rule: rule["type"] != "audience")
        root = {"logic": "and", "items": [draw(one | containers("and", 2).filter(
            lambda found: not (found["include"] or include)))]}  # fmt: skip
    return load_blocks({"type": "container", "include": include, **root})


@given(definitions())
def test_blocks_read_back_from_their_plan(blocks: Container) -> None:
    plan = blocks_to_plan(blocks, PROFILE, EVENT)
    assert plan_to_blocks(plan) == blocks, dump_blocks(blocks)


@given(definitions())
def test_the_plan_of_blocks_survives_pql(blocks: Container) -> None:
    plan = blocks_to_plan(blocks, PROFILE, EVENT)
    assert bind(parse(to_pql(to_ast(plan))), PROFILE, EVENT) == plan
