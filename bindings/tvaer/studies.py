"""Studies on top of :func:`tvaer.simulate`: pilot power, follow-up estimators, sensitivity.

What a municipality can observe is the world where the solution runs (the solution arm), through
the CPR-registered costs (report sec. 4.13): the participating families' costs while inside the
solution (ledger lines of group ``"solution"``), everybody else's costs (group ``"usual"``), and
how many families are inside each month. The simulated truth is the paired counterfactual, the
solution arm minus business as usual over all costs. The estimators and their assumptions are
documented in docs/studies.md.
"""

from __future__ import annotations

import json
import math
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import ScenarioError
from .results import Results
from .scenario import Scenario
from .simulate import simulate
from .uncertain import Uncertain, uncertain_distributions

__all__ = ["crn_variance_reduction", "follow_up", "follow_up_families", "follow_up_estimates", "pilot_power", "uncertain_parameters",
           "uncertain_distributions", "tornado", "sobol",
           "total_difference"]

ESTIMATORS = ["comparison_group", "before_after", "diff_in_diff"]


# ---- follow-up: what a municipality observes -------------------------------------------------


def _solution_families(results: Results, months: int) -> np.ndarray:
    """Families inside the solution per (replication, month), solution arm."""
    occ = results.flows["occupancy"].sel(arm="solution", row="solution/families")
    return occ.transpose("replication", "month").values[:, :months]


def _group_costs(results: Results, months: int, cpr_only: bool) -> dict[str, np.ndarray]:
    """Solution-arm costs per (replication, month) of participants and of everybody else, all lines
    and state lines only (the benefits and measures a family brings), plus the all-cost truth."""
    lines = results.lines
    lc = results.line_costs.values[..., :months]  # (rep, arm, line, month); arm 0 = bau, 1 = solution
    seen = lines["cpr_registered"].to_numpy(bool) if cpr_only else np.ones(len(lines), bool)
    part = (lines["group"] == "solution").to_numpy()
    state = (lines["source_kind"] == "state").to_numpy()
    sol = lc[:, 1]

    def total(mask: np.ndarray) -> np.ndarray:
        return sol[:, mask, :].sum(axis=1)

    return {
        "part": total(seen & part), "comp": total(seen & ~part),
        "part_state": total(seen & part & state), "comp_state": total(seen & ~part & state),
        "truth": lc[:, 1].sum(axis=(1, 2)) - lc[:, 0].sum(axis=(1, 2)),
    }


def follow_up_estimates(results: Results, months: int | None = None, cpr_only: bool = True) -> pd.DataFrame:
    """Per replication: the true total difference (solution arm - bau, all costs, DKK over the first
    `months`) and the three estimates a municipality can make from one run of the solution.

    Columns: ``truth``, ``comparison_group``, ``before_after``, ``diff_in_diff``, ``participants``
    (families inside in month 0) and ``participant_months``. With ``cpr_only`` the estimators see
    only CPR-registered costs. Raises ValueError when `months` is out of range or no family was
    inside the solution in month 0, or no family outside it.
    """
    months = results.months if months is None else months
    if not isinstance(months, int) or not 1 <= months <= results.months:
        raise ValueError(f"months: must be an integer in 1..{results.months} (the horizon), got {months!r}")
    n_part = _solution_families(results, months)
    n_comp = json.loads(results.scenario_json)["families"] - n_part
    if (n_part[:, 0] <= 0).any():
        raise ValueError("follow_up: no family is inside the solution in month 0 of some replication "
                         "(selection.capacity 0 or no eligible family); nothing to follow up")
    if (n_comp[:, 0] <= 0).any():
        raise ValueError("follow_up: every family is inside the solution; there is no comparison group")
    c = _group_costs(results, months, cpr_only)
    pm = n_part.sum(axis=1)
    rate_p = c["part"].sum(axis=1) / pm
    rate_c = c["comp"].sum(axis=1) / n_comp.sum(axis=1)
    entry_p = c["part_state"][:, 0] / n_part[:, 0]
    entry_c = c["comp_state"][:, 0] / n_comp[:, 0]
    return pd.DataFrame({
        "truth": c["truth"],
        "comparison_group": pm * (rate_p - rate_c),
        "before_after": pm * (rate_p - entry_p),
        "diff_in_diff": pm * ((rate_p - entry_p) - (rate_c - entry_c)),
        "participants": n_part[:, 0],
        "participant_months": pm,
    }, index=pd.Index(results.line_costs["replication"].values, name="replication"))


def follow_up(
    results: Results | Scenario,
    months: int | None = None,
    cpr_only: bool = True,
    replications: int = 200,
    seed: int = 1,
    threads: int | None = None,
    client: Any = None,
) -> pd.DataFrame:
    """Bias and spread of the municipalities' follow-up estimators against the simulated truth.

    `results` is a :class:`Results`, or a :class:`Scenario` that is simulated first. One row per
    estimator: mean estimate and truth (DKK over the period, all budgets), ``bias`` (mean of
    estimate - truth) with its standard error, ``sd`` of the estimate, ``rmse`` against the truth
    and ``ratio`` = mean estimate / mean truth.
    """
    if isinstance(results, Scenario):
        results = simulate(results, replications=replications, seed=seed, threads=threads, client=client,
                           progress=False)
    est = follow_up_estimates(results, months, cpr_only)
    truth = est["truth"].to_numpy()
    rows = []
    for name in ESTIMATORS:
        e = est[name].to_numpy()
        err = e - truth
        rows.append({"estimator": name, "estimate": e.mean(), "truth": truth.mean(), "bias": err.mean(),
                     "bias_se": err.std(ddof=1) / math.sqrt(len(err)) if len(err) > 1 else math.nan,
                     "sd": e.std(ddof=1) if len(e) > 1 else math.nan,
                     "rmse": math.sqrt(float(np.mean(err**2))), "ratio": e.mean() / truth.mean()})
    return pd.DataFrame(rows).set_index("estimator")


# ---- pilot power -----------------------------------------------------------------------------


def _positive_ints(name: str, values: Sequence[int]) -> list[int]:
    values = list(values)
    bad = [v for v in values if not isinstance(v, int) or isinstance(v, bool) or v < 1]
    if not values or bad:
        raise ValueError(f"{name}: must be a non-empty list of integers >= 1, got {values!r}")
    return values


def pilot_power(
    scenario: Scenario,
    families: Sequence[int],
    months: Sequence[int],
    replications: int = 200,
    alpha: float = 0.05,
    seed: int = 1,
    threads: int | None = None,
    client: Any = None,
    estimator: str = "comparison_group",
    cpr_only: bool = True,
    power_target: float = 0.8,
) -> pd.DataFrame:
    """What a pilot of `families` places run for `months` months can show, per (families, months).

    Each replication is one pilot (selection.capacity = families, horizon_months = months). The
    pilot's estimate is `estimator` (see :func:`follow_up_estimates`) per place, DKK over the pilot;
    ``true_effect`` is the paired counterfactual per place. The pilot tests "no effect" with a
    two-sided z test at `alpha`, its standard error being the estimate's spread over replications
    (what a per-family analysis of one pilot estimates); ``power`` is the share of pilots that
    reject, ``mde`` = (z_{1-alpha/2} + z_{power_target}) x sd. Raises ValueError on bad arguments.
    """
    from scipy import stats

    families, months = _positive_ints("families", families), _positive_ints("months", months)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha: must be in (0, 1), got {alpha!r}")
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator: must be one of {', '.join(ESTIMATORS)}; got {estimator!r}")
    z = stats.norm.ppf(1 - alpha / 2)
    rows = []
    for f in families:
        for m in months:
            sc = scenario.with_({"selection.capacity": f, "horizon_months": m})
            res = simulate(sc, replications=replications, seed=seed, threads=threads, client=client, progress=False)
            est = follow_up_estimates(res, cpr_only=cpr_only)
            e, truth = est[estimator].to_numpy() / f, est["truth"].to_numpy() / f
            sd = e.std(ddof=1) if len(e) > 1 else math.nan
            q = np.percentile(e, [5, 50, 95])
            rows.append({"families": f, "months": m, "participants": est["participants"].mean(),
                         "true_effect": truth.mean(), "estimate_mean": e.mean(), "estimate_sd": sd,
                         "bias": (e - truth).mean(), "p05": q[0], "p50": q[1], "p95": q[2],
                         "power": float(np.mean(np.abs(e) > z * sd)) if sd > 0 else math.nan,
                         "mde": (z + stats.norm.ppf(power_target)) * sd, "replications": len(e)})
    df = pd.DataFrame(rows).set_index(["families", "months"])
    df.attrs.update({"alpha": alpha, "estimator": estimator, "cpr_only": cpr_only, "unit": "DKK per place"})
    return df


# ---- sensitivity -----------------------------------------------------------------------------


def uncertain_parameters(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """The scenario's uncertain parameters as (low, high) for the one-at-a-time study: the bounds
    of a bounded distribution, the 5 % and 95 % quantiles of an unbounded one."""
    return {p: d.tornado_range() for p, d in uncertain_distributions(scenario).items()}


def total_difference(results: Results) -> float:
    """Mean over replications of the total cost difference (solution - bau, all budgets, DKK)."""
    c = results.costs.sum(["month", "sector", "kind"])
    return float((c.sel(arm="solution") - c.sel(arm="bau")).mean())


def _output(output: str | Callable[[Results], float]) -> Callable[[Results], float]:
    if callable(output):
        return output
    if output == "total_difference":
        return total_difference
    raise ValueError(f"output: must be 'total_difference' or a function of Results, got {output!r}")


Parameters = Mapping[str, "tuple[float, float] | Uncertain"]


def _parameters(scenario: Scenario, parameters: Parameters | None) -> dict[str, Uncertain]:
    """Distributions of the study's parameters: `parameters` (a (low, high) pair is a uniform
    range) or else the scenario's ``[uncertain]`` table."""
    if parameters is None:
        params = uncertain_distributions(scenario)
    else:
        params = {p: d if isinstance(d, Uncertain) else Uncertain.uniform(*d) for p, d in parameters.items()}
    if not params:
        raise ValueError("sensitivity: the scenario declares no [uncertain] parameters and none were given")
    return params


INTEGER_KEYS = {"families", "capacity", "min_sectors"}  # keys the scenario format requires as integers


def _with_values(scenario: Scenario, values: Mapping[str, float]) -> Scenario:
    """The scenario with values set; keys that must be integers get rounded values."""
    changes = {p: (int(round(v)) if p.rsplit(".", 1)[-1] in INTEGER_KEYS else float(v)) for p, v in values.items()}
    return scenario.with_(changes)


def tornado(
    scenario: Scenario,
    output: str | Callable[[Results], float] = "total_difference",
    replications: int = 50,
    seed: int = 1,
    threads: int | None = None,
    client: Any = None,
    parameters: Parameters | None = None,
) -> pd.DataFrame:
    """One-at-a-time sensitivity: each uncertain parameter at its low and at its high value (the
    bounds of its distribution, or its 5 % and 95 % quantiles if it has none), the others at their
    base, all runs with the same seed (common random numbers, so a parameter that changes nothing
    has a swing of exactly 0). Rows sorted by |swing|; ``swing`` = output at high - output at low.
    `parameters` ({path: (low, high) or Uncertain}) overrides the scenario's ``[uncertain]`` table.
    """
    fn, params = _output(output), _parameters(scenario, parameters)

    def run(sc: Scenario) -> float:
        return fn(simulate(sc, replications=replications, seed=seed, threads=threads, client=client, progress=False))

    base = run(scenario)
    rows = []
    for path, dist in params.items():
        low, high = dist.tornado_range()
        lo, hi = run(_with_values(scenario, {path: low})), run(_with_values(scenario, {path: high}))
        rows.append({"parameter": path, "low": low, "high": high, "base": scenario.get(path),
                     "output_low": lo, "output_high": hi, "swing": hi - lo})
    df = pd.DataFrame(rows).set_index("parameter")
    df = df.iloc[np.argsort(-np.abs(df["swing"].to_numpy()), kind="stable")]
    df.attrs["output_base"] = base
    return df


def sobol(
    scenario: Scenario,
    n: int = 64,
    output: str | Callable[[Results], float] = "total_difference",
    replications: int = 20,
    seed: int = 1,
    threads: int | None = None,
    client: Any = None,
    parameters: Parameters | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Sobol indices (first order S1, total ST, with 95 % bootstrap half-widths) of `output` over
    the distributions of the uncertain parameters, by SALib's Sobol sequence sample (n base points,
    n x (D + 2) runs, transformed to each distribution by SALib) and its estimator. Every run uses
    the same seed (common random numbers). Raises ValueError unless n is a power of two >= 4.
    """
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    if not isinstance(n, int) or n < 4 or n & (n - 1):
        raise ValueError(f"n: must be a power of two >= 4 (Sobol sequence), got {n!r}")
    fn, params = _output(output), _parameters(scenario, parameters)
    names = list(params)
    dists = [params[p].salib() for p in names]
    problem = {"num_vars": len(names), "names": names, "bounds": [b for _, b in dists], "dists": [d for d, _ in dists]}
    x = sample.sample(problem, n, calc_second_order=False, seed=seed)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(x), desc="tvaer sobol", unit="run", leave=False)
    y = np.empty(len(x))
    for i, row in enumerate(x):
        sc = _with_values(scenario, dict(zip(names, row)))
        y[i] = fn(simulate(sc, replications=replications, seed=seed, threads=threads, client=client, progress=False))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    si = analyze.analyze(problem, y, calc_second_order=False, seed=seed, print_to_console=False)
    df = pd.DataFrame({k: si[k] for k in ["S1", "S1_conf", "ST", "ST_conf"]}, index=pd.Index(names, name="parameter"))
    df.attrs.update({"runs": len(x), "output_mean": float(y.mean()), "output_sd": float(y.std(ddof=1))})
    return df


# ---- what common random numbers buy ------------------------------------------------------------


def crn_variance_reduction(scenario: Scenario, replications: int = 100, seed: int = 1,
                           threads: int | None = None, client: Any = None) -> pd.DataFrame:
    """Variance of the yearly difference (solution - bau) per sector, paired by common random
    numbers versus independent streams (the solution arm of a run with another seed), and their
    ratio: how many times more replications independent streams would need for the same interval.
    """
    from .simulate import simulate

    paired = simulate(scenario, replications=replications, seed=seed, threads=threads, client=client, progress=False)
    other = simulate(scenario, replications=replications, seed=seed + 1_000_003, threads=threads, client=client,
                     progress=False)
    y1 = paired.yearly_costs.sum("kind")
    y2 = other.yearly_costs.sum("kind")
    d_crn = (y1.sel(arm="solution") - y1.sel(arm="bau")).values
    d_ind = (y2.sel(arm="solution").values - y1.sel(arm="bau").values)
    v_crn = d_crn.var(axis=0, ddof=1)
    v_ind = d_ind.var(axis=0, ddof=1)
    rows = []
    years = y1["year"].values
    for i, year in enumerate(years):
        for j, sector in enumerate(y1["sector"].values):
            ratio = v_ind[i, j] / v_crn[i, j] if v_crn[i, j] > 0 else np.inf
            rows.append({"sector": sector, "year": int(year), "var_crn": v_crn[i, j],
                         "var_independent": v_ind[i, j], "ratio": ratio})
    return pd.DataFrame(rows).set_index(["sector", "year"])


# ---- follow-up on the same families (needs per-family costs) -----------------------------------


def follow_up_families(results: Results, cpr_only: bool = False) -> pd.DataFrame:
    """The comparison-group estimate a municipality can make when it follows the same families:
    per year, participants' mean cost per family (all budgets, solution arm) minus that of the
    eligible, motivated families who got no place (the waiting list), against the truth, the
    participants' own paired difference (solution arm − business as usual, family by family).

    Participants are families admitted at t = 0; the waiting list are candidates never admitted.
    With ``cpr_only=True`` the estimate sees only costs registered on a CPR number, as a
    municipality's own follow-up does (report sec. 4.13); the truth is always all costs. Needs
    ``simulate(..., family_costs=True)``. Returns mean estimate, truth, bias and the standard
    deviation of the estimate across replications (one replication = one municipality).
    """
    if not isinstance(cpr_only, bool):
        raise ValueError(f"cpr_only: must be True or False, got {cpr_only!r}")
    by_reg = results.family_costs_by_registration.sum("budget", skipna=False)  # (rep, family, year, registration, arm)
    fc = by_reg.sum("registration", skipna=False)  # (replication, family, year, arm)
    seen = by_reg.sel(registration="cpr") if cpr_only else fc
    admitted = fc["admitted_month"].sel(arm="solution")
    candidate = fc["candidate"].sel(arm="solution")
    participants = admitted == 0
    waiting = candidate & (admitted < 0)
    sol, bau = fc.sel(arm="solution"), fc.sel(arm="bau")
    seen_sol = seen.sel(arm="solution")
    estimate = seen_sol.where(participants).mean("family") - seen_sol.where(waiting).mean("family")
    truth = (sol - bau).where(participants).mean("family")
    est = estimate.transpose("replication", "year").values
    tru = truth.transpose("replication", "year").values
    rows = []
    for j, year in enumerate(estimate["year"].values):
        e, t = est[:, j], tru[:, j]
        ok = ~np.isnan(e)
        rows.append({"year": int(year), "estimate": float(np.mean(e[ok])), "truth": float(np.mean(t[ok])),
                     "bias": float(np.mean(e[ok] - t[ok])), "sd": float(np.std(e[ok], ddof=1)),
                     "replications": int(ok.sum())})
    return pd.DataFrame(rows).set_index("year")
