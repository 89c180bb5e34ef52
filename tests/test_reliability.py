"""The reliability battery's CI-sized run, one test per part; `python -m tests.reliability` is the full run."""

from __future__ import annotations

import pytest

from tests.reliability import corpus, disk, kill, report, stall


def _passes(part: report.Part) -> None:
    if part.skipped is not None:
        pytest.skip(part.skipped)
    assert not part.failures, "\n" + report.render([part])


def test_kill_minus_9_under_load_loses_nothing_acknowledged(tmp_path):
    _passes(kill.run(tmp_path, short=True, seed=0))


def test_hostile_input_on_every_route_gets_no_5xx_and_loses_nothing_accepted(tmp_path):
    _passes(corpus.run(tmp_path, short=True, seed=0))


def test_a_full_disk_answers_back_pressure_and_recovers(tmp_path):
    _passes(disk.run(tmp_path, short=True, seed=0))


def test_one_huge_request_does_not_stall_the_small_ones_beside_it(tmp_path):
    _passes(stall.run(tmp_path, short=True, seed=0))
