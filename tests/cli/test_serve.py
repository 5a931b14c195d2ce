"""The server's GIL switch interval holds only while it serves."""

from __future__ import annotations

import sys

import pytest

from segmint.cli.serve import SWITCH_INTERVAL, switch_interval


def test_the_switch_interval_holds_inside_and_is_restored_when_serving_stops() -> None:
    before = sys.getswitchinterval()
    assert before != SWITCH_INTERVAL
    with pytest.raises(KeyboardInterrupt), switch_interval(SWITCH_INTERVAL):
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
        raise KeyboardInterrupt
    assert sys.getswitchinterval() == before
