"""Where a stream's batch must be cut so that each merge applies at its own event.

A batch is stored in one write, and the profiles it resolves to hold from the batch's start.
That is exact unless an event of the batch joins two profiles that already hold something
(stored, or made by the batch's earlier events), or brings one over the identity cap (which
sheds its oldest identities, and their data): the merged or shed profile must not exist
before that event. So a batch is stored and fed in pieces, each starting at such an event. An
event that only brings new identities to one profile within the cap moves nothing that
existed, and needs no cut.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from segmint.schema.arrow import IDENTITY_MAP
from segmint.stream.intake import Record

Name = tuple[str, str]


def names(record: Record) -> list[Name]:
    """The (namespace, id) of each identity a validated record names."""
    return [(entry["namespace"], entry["id"]) for entry in record[IDENTITY_MAP]]


def linking_names(records: Sequence[Record]) -> set[Name]:
    """The identities of the records that name more than one: the only ones whose stored
    profiles decide where the records are cut (none when no record after the first links, as
    no cut is possible then)."""
    if all(len(record[IDENTITY_MAP]) == 1 for record in records[1:]):
        return set()
    return {name for record in records if len(record[IDENTITY_MAP]) > 1 for name in names(record)}


def cuts(
    records: Sequence[Record], stored: Mapping[Name, int], sizes: Mapping[int, int], cap: int
) -> list[int]:
    """Where the records are cut into pieces, in one pass: before each one, after a piece's
    first, that names identities of two profiles holding something before it, or that brings
    a profile holding something over the ``cap`` of identities (the store then sheds its
    oldest ones, which moves their data), or that links identities of a component brought
    over the cap before (how the store split it is not known here). ``stored``: the profile
    of each stored identity among ``linking_names``; ``sizes``: the identities of each of
    those profiles.

    Past a cut, the profiles followed are those the store holds once the pieces before it are
    written, but for links it refuses (unique namespaces), which join them here: that may make
    a cut the store did not need, never miss one. (Two profiles kept apart by a refused link
    stay apart while each keeps its unique identity, and only the cap sheds one: a component
    over the cap, counted here with every identity it was offered, cuts at each later link.)"""
    parent: dict[object, object] = {}
    size: dict[object, int] = dict(sizes.items())

    def root(node: object) -> object:
        while (up := parent.get(node, node)) != node:
            node = up
        return node

    holding: set[object] = set(stored.values())  # roots of components with data
    split: set[object] = set()  # roots of components brought over the cap
    found: list[int] = []
    start = 0  # the current piece's first record
    for index, record in enumerate(records):
        roots = {root(stored.get(name, name)) for name in names(record)}
        joined = sum(size.get(node, 1) for node in roots)
        held = len(roots & holding)
        over = len(roots) > 1 and joined > cap
        unsure = len(record[IDENTITY_MAP]) > 1 and bool(roots & split)
        if index > start and (held > 1 or (held and over) or unsure):
            found.append(index)
            start = index
        top = roots.pop()
        for other in roots:
            parent[other] = top
        size[top] = joined
        holding -= roots
        holding.add(top)
        if over or unsure:
            split.add(top)
    return found
