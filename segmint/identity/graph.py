"""Identity-graph resolution: which identities make up one profile.

Identities seen in the same record are linked, and a profile is a connected component of the
links that were accepted. Two rules keep components meaningful: a link that would give a profile
two different identities of a *unique* namespace (two CRM ids through a shared device, say) is
refused, and a component over the cap sheds its oldest identities. Links are applied in time
order, so the result depends only on the links, never on the order they are handed in.

Pure Python without I/O; the caller loads identities and links and stores the resolution.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from segmint.identity.namespaces import Namespace

__all__ = [
    "Eviction",
    "Identity",
    "KeptOut",
    "Link",
    "Namespace",
    "Resolution",
    "resolve",
]


@dataclass(frozen=True, slots=True)
class Identity:
    """One (namespace, id) by its surrogate key; ``first_seen`` (epoch µs, the time of the
    record that first named it) decides eviction."""

    key: int
    namespace: str
    first_seen: int


@dataclass(frozen=True, slots=True)
class Link:
    """Two identities seen in one record at ``seen_at`` (epoch µs)."""

    a: int
    b: int
    seen_at: int


@dataclass(frozen=True, slots=True)
class KeptOut:
    """A refused link, and the unique namespace it would have broken."""

    link: Link
    namespace: str
    reason: str


@dataclass(frozen=True, slots=True)
class Eviction:
    """An identity cut out of profile ``profile_id`` because a link at ``seen_at`` overfilled it."""

    key: int
    profile_id: int
    seen_at: int


@dataclass(frozen=True)
class Resolution:
    """Every identity's profile id (the smallest key in its profile), and what the rules did."""

    profile_of: dict[int, int]
    kept_out: list[KeptOut]
    evictions: list[Eviction]


def resolve(
    identities: Iterable[Identity],
    links: Iterable[Link],
    namespaces: Mapping[str, Namespace],
    cap: int = 50,
) -> Resolution:
    """Group identities into profiles by their links, honouring unique namespaces and the cap.

    Links apply in (seen_at, smaller key, larger key) order; a repeat of a link (same pair, same
    time) and a link of an identity to itself change nothing. Raises ValueError for a link to an
    identity not passed in, an identity of a namespace not in ``namespaces``, or a cap below 1:
    those are mistakes of the caller, not of the data.
    """
    if cap < 1:
        raise ValueError(f"the identity cap must be at least 1, not {cap}")
    with _collector_paused():
        # The graph is garbage before the collector resumes, so the collector never scans it.
        return _Graph(identities, namespaces, cap).run(links)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector, which otherwise rescans millions of fresh sets, lists and
    dicts again and again (half the run time at 1M links). Resolution creates no cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _order(link: Link) -> tuple[int, int, int, bool]:
    """Time, then the pair; of the two orientations of one link, the same one always comes first."""
    if link.a < link.b:
        return link.seen_at, link.a, link.b, False
    return link.seen_at, link.b, link.a, True


def _repeats(link: Link, previous: Link | None) -> bool:
    """Whether ``link`` is ``previous`` again: the same pair at the same time."""
    return (
        previous is not None
        and link.seen_at == previous.seen_at
        and {link.a, link.b} == {previous.a, previous.b}
    )


class _Component:
    """A connected component of accepted links, with what the link rules need to know of it."""

    __slots__ = ("links", "members", "unique")

    def __init__(self, members: set[int], unique: dict[str, int], links: list[Link]) -> None:
        self.members = members
        self.unique = unique  # unique namespace -> the one key of it in this component
        self.links = links  # accepted links inside the component, to split it after evictions


class _Graph:
    """The components so far; ``add`` applies one link, ``run`` all of them in time order.

    Only linked identities get a component (an identity without one is alone). Merging moves
    the smaller component into the larger, so every key and link moves O(log n) times.
    """

    def __init__(
        self, identities: Iterable[Identity], namespaces: Mapping[str, Namespace], cap: int
    ) -> None:
        self.cap = cap
        self.identity_of: dict[int, Identity] = {}
        for identity in identities:
            if identity.namespace not in namespaces:
                raise ValueError(
                    f"identity {identity.key} has namespace {identity.namespace!r}, "
                    "which is not among the namespaces given"
                )
            known = self.identity_of.setdefault(identity.key, identity)
            if known is not identity and known != identity:
                raise ValueError(f"identity key {identity.key} is given twice, differently")
        self.unique_names = {name for name, namespace in namespaces.items() if namespace.unique}
        self.rank = {name: (namespace.priority, name) for name, namespace in namespaces.items()}
        self.component_of: dict[int, _Component] = {}
        self.kept_out: list[KeptOut] = []
        self.evictions: list[Eviction] = []

    def run(self, links: Iterable[Link]) -> Resolution:
        """Apply the links in time order, skipping repeats, and return the profiles."""
        previous: Link | None = None
        for link in sorted(links, key=_order):
            if not _repeats(link, previous):
                self.add(link)
            previous = link
        return self.resolution()

    def add(self, link: Link) -> None:
        """Apply one link: join two components, refuse, or join and evict."""
        if link.a == link.b:
            self._identity(link.a)  # a no-op, but naming an unknown key is still a mistake
            return
        first = self.component_of.get(link.a)
        second = self.component_of.get(link.b)
        # Most links bring in a new identity: growing a component by one key is the fast path.
        if second is None:
            self._grow(first or self._alone(link.a), link.b, link)
        elif first is None:
            self._grow(second, link.a, link)
        elif first is second:
            first.links.append(link)
        elif not first.unique.keys().isdisjoint(second.unique):
            name = min(first.unique.keys() & second.unique.keys(), key=self.rank.__getitem__)
            self._refuse(link, name, first.unique[name], second.unique[name])
        else:
            if len(first.members) < len(second.members):
                first, second = second, first
            first.members |= second.members
            first.unique.update(second.unique)
            first.links += second.links
            first.links.append(link)
            for key in second.members:
                self.component_of[key] = first
            if len(first.members) > self.cap:
                self._evict(first, link.seen_at)

    def resolution(self) -> Resolution:
        """The profiles as they stand."""
        profile_of = {key: key for key in self.identity_of}
        for component in set(self.component_of.values()):
            profile_of.update(dict.fromkeys(component.members, min(component.members)))
        return Resolution(profile_of, self.kept_out, self.evictions)

    def _identity(self, key: int) -> Identity:
        identity = self.identity_of.get(key)
        if identity is None:
            raise ValueError(f"a link names identity key {key}, which was not given")
        return identity

    def _alone(self, key: int) -> _Component:
        """A component of one identity, seen in a link for the first time (or since eviction)."""
        namespace = self._identity(key).namespace
        unique = {namespace: key} if namespace in self.unique_names else {}
        component = self.component_of[key] = _Component({key}, unique, [])
        return component

    def _grow(self, component: _Component, key: int, link: Link) -> None:
        """Join an identity that is alone to a component (the link joins them)."""
        namespace = self._identity(key).namespace
        if namespace in self.unique_names:
            held = component.unique.get(namespace)
            if held is not None:
                self._refuse(link, namespace, held, key)
                return
            component.unique[namespace] = key
        component.members.add(key)
        component.links.append(link)
        self.component_of[key] = component
        if len(component.members) > self.cap:
            self._evict(component, link.seen_at)

    def _refuse(self, link: Link, namespace: str, key: int, other: int) -> None:
        low, high = sorted((key, other))
        reason = f"would put {namespace} keys {low} and {high} in one profile"
        self.kept_out.append(KeptOut(link, namespace, reason))

    def _evict(self, component: _Component, seen_at: int) -> None:
        """Drop the oldest identities until the component fits the cap, then re-split the rest."""
        by_age = sorted(component.members, key=lambda key: (self.identity_of[key].first_seen, key))
        profile_id = min(component.members)
        excess = len(by_age) - self.cap
        for key in by_age[:excess]:
            del self.component_of[key]
            self.evictions.append(Eviction(key, profile_id, seen_at))
        self._split(set(by_age[excess:]), component.links)

    def _split(self, members: set[int], links: list[Link]) -> None:
        """Rebuild the components of ``members`` from the links still between them."""
        neighbours: dict[int, list[int]] = {key: [] for key in members}
        kept: dict[tuple[int, int], Link] = {}  # one link per pair, so repeats do not pile up
        for link in links:
            pair = (min(link.a, link.b), max(link.a, link.b))
            if link.a in neighbours and link.b in neighbours and pair not in kept:
                kept[pair] = link
                neighbours[link.a].append(link.b)
                neighbours[link.b].append(link.a)
        unvisited = set(members)
        while unvisited:
            start = unvisited.pop()
            piece, frontier = {start}, [start]
            while frontier:
                for key in neighbours[frontier.pop()]:
                    if key not in piece:
                        piece.add(key)
                        frontier.append(key)
            unvisited -= piece
            unique = {
                self.identity_of[key].namespace: key
                for key in piece
                if self.identity_of[key].namespace in self.unique_names
            }
            component = _Component(piece, unique, [])
            for key in piece:
                self.component_of[key] = component
        for link in kept.values():
            self.component_of[link.a].links.append(link)
