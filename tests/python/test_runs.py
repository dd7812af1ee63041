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


def _raw(first: int, count: int):
    from tvaer import _core
    from tvaer.scenario import compile_model, default_scenario

    model = compile_model(default_scenario().with_({"selection.capacity": 20}))
    return _core.run(model, 4, first, count, 1, None, runs.recording())


def test_result_arrays_are_read_only_views_that_keep_their_results_alive():
    import gc

    import numpy as np

    costs = _raw(0, 3).costs  # the results object is dropped at once: the view must keep it
    total = float(costs.sum())
    expected = float(np.asarray(_raw(0, 3).costs).sum())  # the same replications run again
    gc.collect()
    junk = [np.ones(10_000) for _ in range(50)]  # reuse of freed memory would show up here
    assert float(costs.sum()) == total == expected
    assert not costs.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        costs[0, 0, 0, 0] = 1.0
    del junk


def test_append_refuses_while_an_array_of_the_results_is_alive():
    import numpy as np

    whole = np.asarray(_raw(0, 4).costs).copy()
    a, b = _raw(0, 2), _raw(2, 2)
    view = a.costs
    with pytest.raises(ValueError, match=r"Results.append: 1 NumPy array\(s\) of these results are still in use"):
        a.append(b)
    del view
    a.append(b)  # nothing reads its memory any more: appending (and moving it) is safe
    assert np.array_equal(np.asarray(a.costs), whole)


def test_reserve_refuses_while_an_array_is_alive_and_then_appends_the_same_bits():
    import numpy as np

    whole = _raw(0, 6)
    a = _raw(0, 2)
    view = a.events
    with pytest.raises(ValueError, match=r"Results.reserve: 1 NumPy array\(s\) of these results are still in use"):
        a.reserve(6)
    del view
    a.reserve(6)
    a.append(_raw(2, 2))
    a.append(_raw(4, 2))
    for name in ["costs", "occupancy", "transitions", "events"]:
        assert np.asarray(getattr(a, name)).tobytes() == np.asarray(getattr(whole, name)).tobytes(), name


def test_blocks_handed_over_add_up_to_the_run_and_an_error_in_deliver_is_raised(tiny):
    # The engine's blocks (runs.run with deliver): in order, each `block` long, the rest returned;
    # joined they are the run without blocks, bit for bit.
    from tvaer.scenario import compile_model

    model = compile_model(tiny)
    whole, _ = runs.run(model, 2, 0, 11, 2, None, runs.recording())
    got = []
    rest, stopped = runs.run(model, 2, 0, 11, 2, None, runs.recording(), lambda r: got.append(r) or True, 4)
    assert not stopped
    assert [(int(r.first_replication), int(r.replications)) for r in got] == [(0, 4), (4, 4)]
    assert (int(rest.first_replication), int(rest.replications)) == (8, 3)
    joined = got[0]
    joined.append(got[1])
    joined.append(rest)
    assert joined.costs.tobytes() == whole.costs.tobytes()

    def failing(r):
        raise OSError("disk full")

    with pytest.raises(OSError, match="^disk full$"):
        runs.run(model, 2, 0, 11, 2, None, runs.recording(), failing, 4)
    with pytest.raises(ValueError, match=r"^run: deliver needs block >= 1 \(replications a delivery\)$"):
        runs.run(model, 2, 0, 11, 2, None, runs.recording(), lambda r: True, 0)
