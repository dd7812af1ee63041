"""tvaer.runs: the argument checks and recording options shared by simulate and simulate_to_file."""

from __future__ import annotations

import os

import pytest

from tvaer import runs


def test_recording_carries_the_keywords_to_the_engine():
    record = runs.recording(family_costs=True)
    assert (record.family_costs, record.bookings) == (True, False)
    record = runs.recording(bookings=True)
    assert (record.family_costs, record.bookings) == (False, True)


def test_recording_refuses_what_is_not_a_bool():
    with pytest.raises(ValueError, match="family_costs: must be True or False, got 1"):
        runs.recording(family_costs=1)


def test_check_run_defaults_to_one_thread_per_cpu_and_names_bad_arguments():
    assert runs.check_run(1, 0, None) == (os.cpu_count() or 1)
    with pytest.raises(ValueError, match=r"threads: must be an integer >= 1, got 0"):
        runs.check_run(1, 0, 0)
    with pytest.raises(ValueError, match=r"seed: must be an integer in \[0, 2\*\*64\), got -1"):
        runs.check_run(1, -1, 1)
