"""Where a batch is cut: at each event joining two profiles that hold something, and nowhere
else (an event bringing new identities to one profile moves nothing that existed)."""

from __future__ import annotations

from typing import Any

from segmint.stream.merges import linking_names, merge_free


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
    assert merge_free(records, {}) == 3


def test_new_identities_joining_one_profile_need_no_cut() -> None:
    """A device seen first in the batch, then a login with an email never seen: one profile."""
    records = [record("ecid:d"), record("ecid:d", "email:new"), record("ecid:d", "email:new")]
    assert linking_names(records) == {("ecid", "d"), ("email", "new")}
    assert merge_free(records, {}) == 3


def test_two_stored_profiles_joined_start_a_piece() -> None:
    records = [record("ecid:x"), record("ecid:a", "email:b"), record("ecid:a")]
    assert merge_free(records, {("ecid", "a"): 1, ("email", "b"): 2}) == 1
    assert merge_free(records[1:], {("ecid", "a"): 1, ("email", "b"): 2}) == 2


def test_identities_of_one_stored_profile_need_no_cut() -> None:
    records = [record("ecid:x"), record("ecid:a", "email:b")]
    assert merge_free(records, {("ecid", "a"): 1, ("email", "b"): 1}) == 2


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
    assert merge_free(records, stored) == 1
    assert merge_free(records[1:], stored) == 2
