"""Places in states (tracks.states.capacity and when_full): a municipality's own residential
places, shared by every family; a member bound for a full state goes to its when_full state
instead. One-off costs of 1 DKK on entry into each state count the entries, a second way of
counting what the engine reports as redirected."""

from __future__ import annotations

import numpy as np
import pytest

import tvaer

OWN, EXTERNAL = 1.0, 1000.0  # one-off DKK on entry: counts entries into each state


def _scenario(initial: dict, rate_in: float, rate_home: float = 0.0, families: int = 20) -> tvaer.Scenario:
    # One child per family: waiting (no cost) -> own place (8 places, 40,000 a month) or, when the
    # own places are taken, an external place (90,000 a month); placements end (home) at rate_home.
    return tvaer.Scenario({
        "schema_version": 1, "name": "places", "horizon_months": 24,
        "sectors": ["children"], "families": families, "selection": {"min_sectors": 1, "capacity": 5},
        "tracks": [{"name": "child", "initial": initial, "states": [
            {"name": "waiting", "transitions": [{"to": "own", "rate": rate_in}]},
            {"name": "own", "capacity": 8, "when_full": "external",
             "transitions": [{"to": "home", "rate": rate_home}],
             "costs": [{"sector": "children", "monthly": 40000, "one_off": OWN, "inside_unit_budget": True}]},
            {"name": "external", "transitions": [{"to": "home", "rate": rate_home}],
             "costs": [{"sector": "children", "monthly": 90000, "one_off": EXTERNAL}]},
            {"name": "home"},
        ]}],
    }, "places.toml")


def _entries(res: tvaer.Results, state: str, amount: float) -> np.ndarray:
    """Entries into `state` per (replication, arm), from its one-off costs (month 0 included)."""
    lines = res.lines
    idx = [i for i, src in enumerate(lines["source"]) if src == f"child/{state}"]
    total = res.line_costs.isel(line=idx).sum(["line", "month"]).transpose("replication", "arm").values
    monthly = 40000.0 if state == "own" else 90000.0
    occupancy = res.flows["occupancy"].sel(row=f"child/{state}").sum("month").transpose("replication", "arm").values
    return np.round((total - monthly * occupancy) / amount).astype(int)


@pytest.mark.filterwarnings("ignore::tvaer.ScenarioWarning")  # nobody starts in "waiting" here: meant
def test_members_starting_in_a_full_state_go_to_when_full():
    res = tvaer.simulate(_scenario({"own": 1.0}, rate_in=0.0), replications=2, seed=1, progress=False)
    occ = res.flows["occupancy"]
    # 20 children bound for 8 places: 8 in the own places and 12 outside from the first month on
    np.testing.assert_allclose(occ.sel(row="child/own").values, 8.0)
    np.testing.assert_allclose(occ.sel(row="child/external").values, 12.0)
    redirected = res.flows["redirected_ordinary"].sel(row="child/own").sum("month").values
    np.testing.assert_array_equal(redirected, 12)  # in both arms: nobody is in the solution at t = 0


def test_places_never_exceed_the_capacity_and_every_redirect_is_an_entry_outside():
    res = tvaer.simulate(_scenario({"waiting": 1.0}, rate_in=0.3, rate_home=0.1, families=60), replications=4,
                         seed=2, progress=False)
    occ = res.flows["occupancy"]
    assert float(occ.sel(row="child/own").max()) <= 8.0 + 1e-9
    redirected = (res.flows["redirected_ordinary"] + res.flows["redirected_solution"]).sel(row="child/own")
    redirected = redirected.sum("month").transpose("replication", "arm").values
    external = _entries(res, "external", EXTERNAL)
    own = _entries(res, "own", OWN)
    np.testing.assert_array_equal(redirected, external)  # the only way outside is a full own place
    bound = res.flows["transitions"].sel(transition="child/waiting->own").sum("month").transpose("replication", "arm").values
    np.testing.assert_array_equal(own + external, bound)  # every child bound for an own place went somewhere
    assert (external > 0).all() and (own > 8).all()  # places were full at times and were reused


@pytest.mark.filterwarnings("ignore::tvaer.ScenarioWarning")  # nobody starts in "waiting" here: meant
def test_a_state_cost_inside_the_unit_budget_is_flagged_on_the_solution_group_only():
    res = tvaer.simulate(_scenario({"own": 1.0}, rate_in=0.0), replications=1, seed=1, progress=False)
    lines = res.lines
    own = lines[lines["source"] == "child/own"].set_index("group")["inside_unit_budget"]
    assert own.to_dict() == {"usual": False, "solution": True}
    external = lines[lines["source"] == "child/external"]["inside_unit_budget"]
    assert not external.any()


def test_the_analytic_mode_refuses_places_in_states():
    with pytest.raises(tvaer.TvaerError, match=r"analytic mode: tracks\[0\]\.states\[1\] has a capacity"):
        tvaer.expected(_scenario({"waiting": 1.0}, rate_in=0.3))


@pytest.mark.parametrize("change, message", [
    ({"when_full": None}, r"tracks\.child\.states\.own\.when_full: is required with a capacity \(8\)"),
    ({"when_full": "elsewhere"}, r"tracks\.child\.states\.own\.when_full: unknown state 'elsewhere' "
                                 r"\(known: waiting, own, external, home\)"),
    ({"when_full": "own"}, r"tracks\.child\.states\.own\.when_full: must be another state"),
    ({"capacity": 0}, r"tracks\.child\.states\.own\.when_full: needs a capacity > 0 on the same state"),
])
def test_bad_places_name_the_key(change, message):
    data = _scenario({"waiting": 1.0}, rate_in=0.3).data
    own = data["tracks"][0]["states"][1]
    for key, value in change.items():
        if value is None:
            del own[key]
        else:
            own[key] = value
    with pytest.raises(tvaer.ScenarioError, match="^places.toml: " + message):
        tvaer.Scenario(data, "places.toml").validate()


def test_when_full_must_lead_to_a_state_without_places():
    data = _scenario({"waiting": 1.0}, rate_in=0.3).data
    data["tracks"][0]["states"][2].update({"capacity": 3, "when_full": "home"})
    with pytest.raises(tvaer.ScenarioError, match=r"tracks\.child\.states\.own\.when_full: state 'external' has a "
                                                  r"capacity of its own; when_full must lead to a state without one"):
        tvaer.Scenario(data, "places.toml").validate()


# ---- queues for places (tracks.states.queue) ------------------------------------------------------

def _queued(discipline: str = "fifo", **kw) -> tvaer.Scenario:
    data = _scenario({"waiting": 1.0}, rate_in=0.3, rate_home=0.1, families=60, **kw).data
    data["tracks"][0]["states"][1]["queue"] = discipline
    return tvaer.Scenario(data, "places.toml")


def test_a_queued_member_moves_in_when_a_place_frees_and_every_entry_is_counted_once():
    res = tvaer.simulate(_queued(), replications=4, seed=2, progress=False)
    flows = res.flows
    own = flows["occupancy"].sel(row="child/own")
    assert float(own.max()) <= 8.0 + 1e-9
    per_run = lambda name: flows[name].sel(row="child/own").sum("month").transpose("replication", "arm").values  # noqa: E731
    redirected = per_run("redirected_ordinary") + per_run("redirected_solution")
    placed = per_run("placed_ordinary") + per_run("placed_solution")
    bound = flows["transitions"].sel(transition="child/waiting->own").sum("month").transpose("replication", "arm").values
    # Entries into the own places, counted by their one-off cost: those that found a place at
    # once (bound - redirected) and those that moved in from the queue.
    np.testing.assert_array_equal(_entries(res, "own", OWN), bound - redirected + placed)
    # Entries outside are the redirected ones: a waiting member is outside.
    np.testing.assert_array_equal(_entries(res, "external", EXTERNAL), redirected)
    assert (placed > 0).all() and (placed <= redirected).all()
    # The mean wait is the summed wait over the members placed, month by month.
    mean = flows["mean_place_wait_ordinary"].sel(row="child/own")
    summed = res.array("place_wait_months_ordinary").sel(occupancy_row="child/own")
    count = res.array("placed_ordinary").sel(occupancy_row="child/own")
    ok = count.values > 0
    np.testing.assert_allclose(mean.values[ok], summed.values[ok] / count.values[ok])
    assert (summed.values[ok] > 0).all()


def test_without_a_queue_the_place_arrays_are_absent_and_results_unchanged_by_the_new_code():
    res = tvaer.simulate(_scenario({"waiting": 1.0}, rate_in=0.3, rate_home=0.1, families=60), replications=2,
                         seed=2, progress=False)
    assert not res.holds("placed_ordinary")
    assert "mean_place_wait_ordinary" not in res.flows


def test_the_queue_waits_for_places_survive_a_results_file(tmp_path):
    res = tvaer.simulate(_queued("solution_first"), replications=2, seed=3, progress=False)
    path = tmp_path / "places.h5"
    res.to_hdf5(path)
    back = tvaer.open_results(path)
    for name in ("placed_ordinary", "placed_solution", "place_wait_months_ordinary", "place_wait_months_solution"):
        np.testing.assert_array_equal(back.array(name).values, res.array(name).values)


def test_the_analytic_mode_refuses_a_queue_for_places_naming_it():
    with pytest.raises(tvaer.TvaerError, match=r"analytic mode: tracks\[0\]\.states\[1\] has a queue for its places "
                                               r"\(tracks\.states\.queue\)"):
        tvaer.expected(_queued())
