"""Where a batch is cut: at each event joining two profiles that hold something or bringing
one over the identity cap, and nowhere else (an event bringing new identities to one profile
within the cap moves nothing that existed)."""

from __future__ import annotations

from typing import Any

from segmint.stream.merges import cuts, linking_names

CAP = 50


def record(*names: str) -> dict[str, Any]:
    """A validated record naming ``namespace:id`` identities, the first primary."""
    entries = []
    for index, name in enumerate(names):
        namespace, identity = name.split(":")
        entries.append({"namespace": namespace, "id": identity, "primary": index == 0})
    return {"identityMap": entries}


def test_no_link_after_the_first_record_needs_no_lookup() -> None:
    records = [record("ecid:a", "email:a"), record("ecid:b"), record("ecid:a")]
    assert linking_names(records) == set()
    assert cuts(records, {}, {}, CAP) == []


def test_new_identities_joining_one_profile_need_no_cut() -> None:
    """A device seen first in the batch, then a login with an email never seen: one profile."""
    records = [record("ecid:d"), record("ecid:d", "email:new"), record("ecid:d", "email:new")]
    assert linking_names(records) == {("ecid", "d"), ("email", "new")}
    assert cuts(records, {}, {}, CAP) == []


def test_two_stored_profiles_joined_start_a_piece() -> None:
    records = [record("ecid:x"), record("ecid:a", "email:b"), record("ecid:a")]
    assert cuts(records, {("ecid", "a"): 1, ("email", "b"): 2}, {}, CAP) == [1]


def test_identities_of_one_stored_profile_need_no_cut() -> None:
    records = [record("ecid:x"), record("ecid:a", "email:b")]
    assert cuts(records, {("ecid", "a"): 1, ("email", "b"): 1}, {}, CAP) == []


def test_a_profile_made_earlier_in_the_batch_counts_as_holding_something() -> None:
    """A new device's events, then a login with a stored email: the device's profile existed
    since its first event, so the login merges two and starts a piece; so does a later link
    of that merged profile with another new device that has events."""
    records = [
        record("ecid:new"),
        record("ecid:new", "email:known"),
        record("ecid:other"),
        record("ecid:other", "email:known"),
    ]
    stored = {("email", "known"): 7}
    assert cuts(records, stored, {}, CAP) == [1, 3]


def test_a_profile_brought_over_the_cap_starts_a_piece() -> None:
    """With a cap of 3, a stored profile of 2 identities takes one new identity, not two: the
    store sheds its oldest then. Profiles holding nothing are not cut for."""
    stored = {("ecid", "a"): 1}
    records = [record("ecid:x"), record("ecid:a", "email:b"), record("ecid:a", "email:c")]
    assert cuts(records, stored, {1: 2}, 3) == [2]
    assert cuts(records, stored, {1: 3}, 3) == [1, 2]  # how the first split it is not known
    assert cuts(records, stored, {1: 1}, 3) == []
    grown = [record("ecid:n"), record("ecid:n", "email:n"), record("ecid:n", "email:m")]
    assert cuts(grown, {}, {}, 2) == [2]  # made by the batch's first event, then grown
    fresh = [record("ecid:x"), record("ecid:n", "email:n", "phone:n", "email:m")]
    assert cuts(fresh, {}, {}, 3) == []


def test_a_link_in_a_component_brought_over_the_cap_starts_a_piece() -> None:
    """The store split a component over the cap in a way not known before it is written: a
    later link between any of its identities may join two of the parts."""
    records = [record("ecid:c", "ecid:a"), record("ecid:a"), record("ecid:a", "email:b")]
    stored = {("ecid", "a"): 1, ("email", "b"): 1}
    assert cuts(records, stored, {1: 3}, 3) == [2]
    assert cuts(records, stored, {1: 2}, 3) == []  # within the cap: one known profile


def test_past_a_cut_the_merged_profile_is_followed() -> None:
    """Three stored profiles joined one after the other: a cut at each join, and none at a
    later link inside what they became."""
    stored = {("ecid", "a"): 1, ("email", "b"): 2, ("phone", "c"): 3}
    records = [
        record("ecid:x"),
        record("ecid:a", "email:b"),
        record("email:b", "phone:c"),
        record("ecid:a", "phone:c"),
        record("ecid:x", "email:b"),
    ]
    assert cuts(records, stored, {}, CAP) == [1, 2, 4]
