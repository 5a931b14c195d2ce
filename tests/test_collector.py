"""The long-running commands' collector policy holds only while they run."""

from __future__ import annotations

import gc

from segmint.collector import THRESHOLDS, long_lived


def test_long_lived_makes_passes_rare_and_restores_the_collector_on_exit() -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    with long_lived():
        assert gc.get_threshold() == THRESHOLDS
        assert gc.get_freeze_count() > frozen
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_long_lived_restores_the_collector_when_the_command_fails() -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    try:
        with long_lived():
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen
