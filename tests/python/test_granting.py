"""Who grants versus who pays as behaviour (docs/model.md): the granting propensity and the
compensating measures, against binomial expectations and hand-computed costs."""

from __future__ import annotations

import numpy as np
import pytest

import tvaer

N = 3000  # one-member families, all inside the solution
RUN = {"replications": 2, "seed": 5, "threads": 2, "progress": False}
ONE = {
    "schema_version": 1,
    "name": "one",
    "horizon_months": 12,
    "sectors": ["employment"],
    "families": N,
    "selection": {"min_sectors": 0},
    "organisation": {"form": "unit"},
    "tracks": [{"name": "adult", "members": [0.0, 1.0], "initial": {"out": 1.0},
                "states": [{"name": "out", "costs": [{"sector": "employment", "monthly": 1000}]}]}],
    # Granted by the solution, paid by the sector: separated. It outlasts the horizon.
    "interventions": [{"name": "coach", "track": "adult", "request_on_entry": ["out"],
                       "duration": {"distribution": "fixed", "months": 24},
                       "costs": [{"sector": "employment", "monthly": 500}],
                       "grants": "solution", "pays": "sector", "grant_share": 0.4}],
}


@pytest.fixture
def one() -> tvaer.Scenario:
    return tvaer.Scenario(ONE, "one.toml")


def _grants(scenario: tvaer.Scenario) -> np.ndarray:
    """Starts inside the solution per replication (all at t = 0: unlimited, no meetings)."""
    res = tvaer.simulate(scenario, **RUN)
    return res.flows["starts_solution"].sel(arm="solution").sum(["month", "intervention"]).values


def _near(count: np.ndarray, p: float) -> bool:
    return bool((np.abs(count - p * N) < 4 * np.sqrt(N * p * (1 - p))).all())


def test_a_propensity_of_1_3_grants_1_3_times_the_payers_share():
    base = tvaer.Scenario(ONE, "one.toml")
    more = base.with_({"organisation.grant_propensity": 1.3})
    g0, g1 = _grants(base), _grants(more)
    assert _near(g0, 0.4)
    assert _near(g1, 0.52)  # 0.4 x 1.3
    assert (g1 > g0).all()  # the same keyed draws: the payer's grants and more


def test_each_compensating_measure_removes_its_share_of_the_excess(one):
    # payment model 0.5 and follow-up 0.5 leave a quarter of 0.5: 0.4 x 1.125 = 0.45.
    both = one.with_({"organisation.grant_propensity": 1.5, "organisation.payment_model": 0.5,
                      "organisation.follow_up": 0.5})
    assert _near(_grants(both), 0.45)
    # A ceiling below every grant's amount sends all to the forum, whose review removes the excess.
    reviewed = one.with_({"organisation.grant_propensity": 1.5, "organisation.ceiling": 1000,
                          "organisation.ceiling_on": "grant"})
    assert np.array_equal(_grants(reviewed), _grants(one))


def test_the_decomposition_attributes_the_extra_grants_to_the_propensity_to_the_krone(one):
    more = one.with_({"organisation.grant_propensity": 1.3})
    d = tvaer.decompose(one, more, **RUN)
    assert list(d.parts["mechanism"].values) == ["organisation.grant_propensity"]
    part = d.parts.sel(mechanism="organisation.grant_propensity", sector="employment", year=1).values
    # Each extra grant costs the employment budget 500 a month for the 12 months of year 1.
    extra = _grants(more) - _grants(one)
    np.testing.assert_allclose(part, extra * 500 * 12, rtol=0, atol=0.01)
    assert _near(extra, 0.12)  # 0.52 - 0.4


def test_with_the_defaults_nothing_changes_bit_for_bit(one):
    every = one.with_({"interventions.coach.grant_share": 1.0})
    written = every.with_({"organisation.grant_propensity": 1.0, "organisation.follow_up": 0.3,
                           "organisation.ceiling_on": "grant"})
    a = tvaer.simulate(every, **RUN)
    b = tvaer.simulate(written, **RUN)
    assert a.fingerprint() == b.fingerprint()
    assert (a.flows["starts_solution"].sel(arm="solution").sum(["month", "intervention"]).values == N).all()


def test_a_propensity_without_room_to_act_names_the_grant_share(one):
    with pytest.raises(tvaer.ScenarioError, match=r"interventions\.coach\.grant_share: 1 x the granting propensity 1\.3 "
                                                  r"\(organisation\.grant_propensity 1\.3.*set grant_share to at most 0\.7692"):
        one.with_({"interventions.coach.grant_share": 1.0, "organisation.grant_propensity": 1.3}).validate()
    with pytest.raises(tvaer.ScenarioError, match=r"interventions\.coach\.pays_above_ceiling: is decided per intervention "
                                                  r"from its expected cost; it cannot go with organisation\.ceiling_on"):
        one.with_({"organisation.ceiling": 1000, "organisation.ceiling_on": "grant",
                   "interventions.coach.pays_above_ceiling": "solution"}).validate()


def test_the_analytic_mode_refuses_a_grant_share_below_1(one):
    with pytest.raises(tvaer.TvaerError, match=r"analytic mode: .*'coach'\) is granted to a share 0\.4 of its requests"):
        tvaer.expected(one.with_({"interventions.coach.duration": {"distribution": "exponential", "mean": 6}}))
