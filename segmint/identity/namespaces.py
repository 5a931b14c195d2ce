"""Identity namespaces: what an identifier is, and how far it can be trusted to name one person."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = frozenset({"person", "device", "cookie", "phone", "email", "custom"})
"""The kinds a namespace can have; informational, they do not change how identities link."""


@dataclass(frozen=True, slots=True)
class Namespace:
    """A namespace of identifiers, e.g. ``email`` or ``crmId``.

    ``priority`` ranks namespaces (lower is stronger) to choose the identity a profile is shown
    and stored under. ``unique`` means a profile holds at most one identity of the namespace, so
    a shared device or a junk value cannot collapse two customers into one profile.
    """

    name: str
    priority: int
    unique: bool
    kind: str = "person"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(
                f"namespace {self.name!r} has kind {self.kind!r}; expected one of "
                + ", ".join(sorted(KINDS))
            )
