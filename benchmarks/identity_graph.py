"""Time ``resolve`` (CPU seconds) on synthetic graphs.

    python benchmarks/identity_graph.py 1000000


People have a CRM id, an email, one to three devices and sometimes a phone. Records arrive over
time, each linking two identities of one person; one link in a hundred goes to a device of
someone else (a shared device), which exercises refusals. Keys are numbered in order of first
sight, as the store numbers them. Each size runs twice: links in time order (as the store
returns them) and shuffled (the sort's worst case).
"""

from __future__ import annotations

import random
import sys
import time

from segmint.identity.graph import Identity, Link, Namespace, resolve

NAMESPACES = {
    "crmId": Namespace("crmId", priority=10, unique=True, kind="person"),
    "email": Namespace("email", priority=20, unique=True, kind="email"),
    "phone": Namespace("phone", priority=30, unique=True, kind="phone"),
    "ecid": Namespace("ecid", priority=40, unique=False, kind="cookie"),
}


def synthetic(link_count: int, seed: int = 7) -> tuple[list[Identity], list[Link]]:
    """About as many identities as links, in small per-person graphs, links in time order."""
    rng = random.Random(seed)
    people: list[list[str]] = []
    for _ in range(link_count // 3):
        namespaces = ["crmId", "email"] + ["ecid"] * rng.randint(1, 3)
        if rng.random() < 0.3:
            namespaces.append("phone")
        people.append(namespaces)
    keys: dict[tuple[int, int], int] = {}
    identities: list[Identity] = []
    links: list[Link] = []

    def key(person: int, slot: int, now: int) -> int:
        if (person, slot) not in keys:
            keys[person, slot] = len(identities) + 1
            identities.append(Identity(len(identities) + 1, people[person][slot], now))
        return keys[person, slot]

    now = 1_700_000_000_000_000
    for _ in range(link_count):
        now += rng.randrange(1, 2_000_000)
        person = rng.randrange(len(people))
        first, second = rng.sample(range(len(people[person])), 2)
        if rng.random() < 0.01:
            other = rng.randrange(len(people))
            b = key(other, rng.randrange(2, len(people[other])), now)
        else:
            b = key(person, second, now)
        links.append(Link(key(person, first, now), b, now))
    return identities, links


def main() -> None:
    for count in [int(arg) for arg in sys.argv[1:]] or [1_000_000, 3_000_000]:
        identities, links = synthetic(count)
        for order in ("time-ordered", "shuffled"):
            if order == "shuffled":
                random.Random(1).shuffle(links)
            started = time.process_time()
            result = resolve(identities, links, NAMESPACES)
            elapsed = time.process_time() - started
            print(
                f"{len(links):>9,} links {len(identities):>9,} identities {order:>12}: "
                f"{elapsed:5.2f} s; {len(set(result.profile_of.values())):,} profiles, "
                f"{len(result.kept_out):,} kept out, {len(result.evictions):,} evicted"
            )


if __name__ == "__main__":
    main()
