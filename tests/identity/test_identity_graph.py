"""Identity-graph resolution: merges, unique namespaces, the cap, and agreement with references."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmint.identity.graph import (
    Eviction,
    Identity,
    KeptOut,
    Link,
    Namespace,
    Resolution,
    resolve,
)

NAMESPACES = {
    "crmId": Namespace("crmId", priority=10, unique=True),
    "email": Namespace("email", priority=20, unique=True, kind="email"),
    "ecid": Namespace("ecid", priority=40, unique=False, kind="cookie"),
}


def identities(**namespace_of: str) -> list[Identity]:
    """Identities named k<key>=namespace, first seen at time <key> (so smaller keys are older)."""
    return [
        Identity(int(name[1:]), namespace, int(name[1:]))
        for name, namespace in namespace_of.items()
    ]


def profiles(result: Resolution) -> set[frozenset[int]]:
    members: dict[int, set[int]] = defaultdict(set)
    for key, profile_id in result.profile_of.items():
        members[profile_id].add(key)
    return {frozenset(keys) for keys in members.values()}


def test_links_merge_transitively_into_the_profile_of_the_smallest_key() -> None:
    people = identities(k7="ecid", k3="ecid", k9="ecid", k5="ecid")
    result = resolve(people, [Link(7, 9, 1), Link(9, 3, 2)], NAMESPACES)
    assert result.profile_of == {7: 3, 3: 3, 9: 3, 5: 5}
    assert result.kept_out == [] and result.evictions == []


def test_a_link_that_would_join_two_crm_ids_is_kept_out_and_both_profiles_stay() -> None:
    # Two customers sign in on one shared device (ecid 3).
    people = identities(k1="crmId", k2="crmId", k3="ecid", k4="email")
    links = [Link(1, 4, 5), Link(1, 3, 10), Link(3, 2, 20)]
    result = resolve(people, links, NAMESPACES)
    assert profiles(result) == {frozenset({1, 3, 4}), frozenset({2})}
    assert result.kept_out == [
        KeptOut(Link(3, 2, 20), "crmId", "would put crmId keys 1 and 2 in one profile")
    ]


def test_a_junk_email_shared_by_several_crm_records_joins_only_the_first() -> None:
    people = identities(k1="crmId", k2="crmId", k3="crmId", k9="email")
    links = [Link(2, 9, 1), Link(1, 9, 2), Link(3, 9, 3), Link(1, 9, 4)]
    result = resolve(people, links, NAMESPACES)
    assert profiles(result) == {frozenset({2, 9}), frozenset({1}), frozenset({3})}
    assert [(k.link, k.namespace) for k in result.kept_out] == [
        (Link(1, 9, 2), "crmId"),
        (Link(3, 9, 3), "crmId"),
        (Link(1, 9, 4), "crmId"),
    ]


def test_every_unique_namespace_is_checked_and_the_strongest_clash_reported() -> None:
    people = identities(k1="crmId", k2="email", k3="crmId", k4="email", k5="ecid", k6="ecid")
    links = [Link(1, 2, 1), Link(3, 4, 2), Link(2, 5, 3), Link(4, 6, 4), Link(5, 6, 5)]
    # Only email clashes: a check of the first unique namespace alone would let this through.
    only_email = [Link(2, 5, 1), Link(4, 6, 2), Link(5, 6, 3)]
    assert [k.namespace for k in resolve(people, only_email, NAMESPACES).kept_out] == ["email"]
    result = resolve(people, links, NAMESPACES)
    assert result.kept_out == [
        KeptOut(Link(5, 6, 5), "crmId", "would put crmId keys 1 and 3 in one profile")
    ]
    email_first = {**NAMESPACES, "email": Namespace("email", priority=5, unique=True)}
    result = resolve(people, links, email_first)
    assert result.kept_out == [
        KeptOut(Link(5, 6, 5), "email", "would put email keys 2 and 4 in one profile")
    ]


def test_the_result_does_not_depend_on_the_order_links_are_given_in() -> None:
    people = identities(k1="crmId", k2="crmId", k3="ecid", k4="ecid", k5="email", k6="ecid")
    links = [Link(1, 3, 1), Link(2, 3, 1), Link(3, 4, 2), Link(4, 5, 2), Link(5, 2, 3)]
    links += [Link(6, 4, 3), Link(1, 6, 3), Link(2, 6, 3)]
    expected = resolve(people, links, NAMESPACES, cap=3)
    assert expected.kept_out and expected.evictions
    rng = random.Random(3)
    for _ in range(20):
        shuffled = rng.sample(links, len(links))
        assert resolve(people, shuffled, NAMESPACES, cap=3) == expected


def test_repeats_and_self_links_change_nothing() -> None:
    people = identities(k1="crmId", k2="crmId", k3="ecid")
    links = [Link(1, 3, 1), Link(2, 3, 2), Link(3, 2, 2), Link(2, 3, 2), Link(3, 3, 0)]
    result = resolve(people, links, NAMESPACES)
    assert result.kept_out == [
        KeptOut(Link(2, 3, 2), "crmId", "would put crmId keys 1 and 2 in one profile")
    ]


def test_over_the_cap_the_oldest_identity_leaves_and_stands_alone() -> None:
    people = identities(k1="ecid", k2="ecid", k3="ecid", k4="ecid")
    result = resolve(people, [Link(1, 2, 1), Link(2, 3, 2), Link(3, 4, 3)], NAMESPACES, cap=3)
    assert profiles(result) == {frozenset({2, 3, 4}), frozenset({1})}
    assert result.evictions == [Eviction(key=1, profile_id=1, seen_at=3)]


def test_age_is_first_seen_not_key() -> None:
    people = [Identity(1, "ecid", 30), Identity(2, "ecid", 10), Identity(3, "ecid", 20)]
    result = resolve(people, [Link(1, 3, 1), Link(2, 3, 2)], NAMESPACES, cap=2)
    assert profiles(result) == {frozenset({1, 3}), frozenset({2})}
    assert result.evictions == [Eviction(key=2, profile_id=1, seen_at=2)]


def test_evicting_a_bridge_splits_the_rest_into_two_profiles_and_it_can_link_again() -> None:
    # 1 is the oldest and the only path between 2 and 3-4.
    people = identities(k1="ecid", k2="ecid", k3="ecid", k4="ecid")
    links = [Link(1, 2, 1), Link(1, 3, 2), Link(3, 4, 3)]
    result = resolve(people, links, NAMESPACES, cap=3)
    assert profiles(result) == {frozenset({1}), frozenset({2}), frozenset({3, 4})}
    assert result.profile_of == {1: 1, 2: 2, 3: 3, 4: 3}
    relinked = resolve(people, [*links, Link(1, 4, 4)], NAMESPACES, cap=3)
    assert profiles(relinked) == {frozenset({2}), frozenset({1, 3, 4})}
    # Link 1-2 went with the eviction: joining 2 to 3-4 later does not bring 1 back.
    assert resolve(people, [*links, Link(2, 4, 4)], NAMESPACES, cap=3).profile_of[1] == 1


def test_a_link_inside_a_profile_is_kept_and_holds_it_together_after_an_eviction() -> None:
    people = identities(k1="ecid", k2="ecid", k3="ecid", k4="ecid", k5="ecid")
    chain = [Link(1, 2, 1), Link(1, 3, 2), Link(3, 4, 3), Link(4, 5, 4)]
    assert profiles(resolve(people, chain, NAMESPACES, cap=4)) == {
        frozenset({1}),
        frozenset({2}),
        frozenset({3, 4, 5}),
    }
    cycle = [Link(1, 2, 1), Link(1, 3, 2), Link(2, 3, 3), Link(3, 4, 4), Link(4, 5, 5)]
    assert profiles(resolve(people, cycle, NAMESPACES, cap=4)) == {
        frozenset({1}),
        frozenset({2, 3, 4, 5}),
    }


def test_a_merge_of_two_full_profiles_evicts_several_at_once() -> None:
    people = identities(k1="ecid", k2="ecid", k3="ecid", k4="ecid", k5="ecid", k6="ecid")
    links = [Link(1, 4, 1), Link(4, 5, 1), Link(2, 3, 1), Link(3, 6, 1), Link(5, 6, 2)]
    result = resolve(people, links, NAMESPACES, cap=3)
    assert [e.key for e in result.evictions] == [1, 2, 3]
    assert {e.profile_id for e in result.evictions} == {1}
    assert profiles(result) == {frozenset({4, 5, 6}), *({frozenset({k}) for k in (1, 2, 3)})}


def test_unknown_keys_namespaces_and_caps_are_programming_errors() -> None:
    people = identities(k1="ecid", k2="ecid")
    with pytest.raises(ValueError, match="identity key 3"):
        resolve(people, [Link(1, 3, 1)], NAMESPACES)
    with pytest.raises(ValueError, match="identity key 3"):
        resolve(people, [Link(3, 3, 1)], NAMESPACES)
    with pytest.raises(ValueError, match="'idfa'"):
        resolve([Identity(1, "idfa", 0)], [], NAMESPACES)
    with pytest.raises(ValueError, match="twice"):
        resolve([Identity(1, "ecid", 0), Identity(1, "email", 0)], [], NAMESPACES)
    with pytest.raises(ValueError, match="at least 1"):
        resolve(people, [], NAMESPACES, cap=0)


def test_namespace_kinds_are_checked() -> None:
    with pytest.raises(ValueError, match="expected one of"):
        Namespace("idfa", priority=1, unique=False, kind="gadget")


def reference(
    people: list[Identity], links: list[Link], namespaces: Mapping[str, Namespace], cap: int
) -> Resolution:
    """The rules applied literally: profiles are the connected components of the accepted links,
    found by a fresh search after every link."""
    identity_of = {identity.key: identity for identity in people}
    accepted: set[frozenset[int]] = set()
    kept_out: list[KeptOut] = []
    evictions: list[Eviction] = []

    def component(key: int) -> set[int]:
        return connected(key, accepted)

    done: set[tuple[int, frozenset[int]]] = set()
    for link in sorted(
        links,
        key=lambda link: (link.seen_at, min(link.a, link.b), max(link.a, link.b), link.a > link.b),
    ):
        if link.a not in identity_of or link.b not in identity_of:
            raise ValueError("unknown identity key")
        pair = frozenset({link.a, link.b})
        if len(pair) == 1 or (link.seen_at, pair) in done:
            continue
        done.add((link.seen_at, pair))
        joined = component(link.a) | component(link.b)
        by_namespace: dict[str, list[int]] = defaultdict(list)
        for key in sorted(joined):
            by_namespace[identity_of[key].namespace].append(key)
        clashes = sorted(
            (namespaces[name].priority, name, keys)
            for name, keys in by_namespace.items()
            if namespaces[name].unique and len(keys) > 1
        )
        if clashes:
            _, name, (low, high) = clashes[0]
            reason = f"would put {name} keys {low} and {high} in one profile"
            kept_out.append(KeptOut(link, name, reason))
            continue
        accepted.add(pair)
        oldest = sorted(joined, key=lambda key: (identity_of[key].first_seen, key))
        for key in oldest[: max(0, len(joined) - cap)]:
            evictions.append(Eviction(key, min(joined), link.seen_at))
            accepted = {edge for edge in accepted if key not in edge}
    profile_of = {key: min(component(key)) for key in identity_of}
    return Resolution(profile_of, kept_out, evictions)


def connected(start: int, edges: Iterable[frozenset[int]]) -> set[int]:
    found, changed = {start}, True
    while changed:
        changed = False
        for edge in edges:
            if edge & found and not edge <= found:
                found |= edge
                changed = True
    return found


@st.composite
def graphs(
    draw: st.DrawFn, unique: st.SearchStrategy[bool] = st.booleans()
) -> tuple[list[Identity], list[Link], dict[str, Namespace]]:
    names = draw(
        st.lists(
            st.sampled_from(["crmId", "email", "phone", "ecid"]),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    namespaces = {
        name: Namespace(name, priority=draw(st.integers(0, 2)), unique=draw(unique))
        for name in names
    }
    keys = draw(st.lists(st.integers(-3, 40), min_size=1, max_size=10, unique=True))
    people = [Identity(key, draw(st.sampled_from(names)), draw(st.integers(0, 4))) for key in keys]
    links = draw(
        st.lists(
            st.builds(Link, st.sampled_from(keys), st.sampled_from(keys), st.integers(0, 6)),
            max_size=25,
        )
    )
    return people, links, namespaces


@settings(max_examples=300)
@given(graphs())
def test_without_a_binding_cap_profiles_match_the_reference(
    graph: tuple[list[Identity], list[Link], dict[str, Namespace]],
) -> None:
    people, links, namespaces = graph
    result = resolve(people, links, namespaces, cap=len(people))
    assert result == reference(people, links, namespaces, cap=len(people))
    assert result.evictions == []


@given(graphs(unique=st.just(False)))
def test_without_unique_namespaces_profiles_are_the_connected_components(
    graph: tuple[list[Identity], list[Link], dict[str, Namespace]],
) -> None:
    people, links, namespaces = graph
    result = resolve(people, links, namespaces, cap=len(people))
    edges = [frozenset({link.a, link.b}) for link in links]
    assert result.profile_of == {p.key: min(connected(p.key, edges)) for p in people}
    assert result.kept_out == []


@settings(max_examples=300)
@given(graphs(), st.integers(1, 4), st.randoms(use_true_random=False))
def test_with_a_small_cap_profiles_match_the_reference_and_stay_within_it(
    graph: tuple[list[Identity], list[Link], dict[str, Namespace]], cap: int, rng: random.Random
) -> None:
    people, links, namespaces = graph
    # Distinct link times, so that the links up to an eviction are exactly those before it.
    times = rng.sample(range(len(links)), len(links))
    links = [Link(link.a, link.b, time) for link, time in zip(links, times, strict=True)]
    result = resolve(people, links, namespaces, cap=cap)
    assert result == reference(people, links, namespaces, cap=cap)
    assert set(result.profile_of) == {person.key for person in people}
    assert all(len(profile) <= cap for profile in profiles(result))
    assert all(result.profile_of[key] == min(p) for p in profiles(result) for key in p)
    for eviction in result.evictions:
        before = [link for link in links if link.seen_at <= eviction.seen_at]
        assert frozenset({eviction.key}) in profiles(resolve(people, before, namespaces, cap))


@given(graphs(), st.integers(1, 4), st.randoms(use_true_random=False))
def test_the_order_of_the_links_never_matters(
    graph: tuple[list[Identity], list[Link], dict[str, Namespace]], cap: int, rng: random.Random
) -> None:
    people, links, namespaces = graph
    shuffled = rng.sample(links, len(links))
    assert resolve(people, shuffled, namespaces, cap) == resolve(people, links, namespaces, cap)
