"""tvaer: simulate the cross-sector economics of help to vulnerable families.

Every family is simulated twice with common random numbers, business as usual and inside a
cross-sector solution, and costs are booked per sector, month and year. Start with::

    import tvaer
    res = tvaer.simulate(tvaer.default_scenario(), replications=200, seed=1)
    res.summary()
"""

from __future__ import annotations

try:
    from . import _core
except ImportError as e:  # pragma: no cover - only without a build
    raise ImportError(
        "tvaer's compiled core (tvaer._core) is missing. Build and install it from the repository "
        "with `make test` (or `pip install .`); see README.md."
    ) from e

from . import governance, studies
from .errors import ObservationError, ResultsFileError, ScenarioError, ScenarioWarning, SimulationError, TvaerError
from .results import Results
from .results_file import open_results, simulate_to_file
from .scenario import Scenario, default_scenario, load_scenario, shipped_scenarios
from .simulate import Comparison, compare, simulate
from .studies import follow_up, follow_up_estimates, pilot_power, sobol, tornado, uncertain_distributions, uncertain_parameters
from .uncertain import Uncertain
from .report import write_report
from . import budgets
from .expected import expected
from .decomposition import Decomposition, decompose
from .forecast import Forecast, forecast, forecast_errors
from .estimate import Estimate, estimate, pilot_observations
from .kpis import kpis, result_targets
from .baseline import BaselineMeasurement, baseline_measurement, baseline_redistribution

__version__ = _core.__version__

__all__ = [
    "BaselineMeasurement",
    "Comparison",
    "Decomposition",
    "Estimate",
    "Forecast",
    "ObservationError",
    "Results",
    "ResultsFileError",
    "Scenario",
    "ScenarioError",
    "ScenarioWarning",
    "SimulationError",
    "TvaerError",
    "compare",
    "decompose",
    "follow_up",
    "follow_up_estimates",
    "pilot_power",
    "sobol",
    "tornado",
    "uncertain_parameters",
    "uncertain_distributions",
    "Uncertain",
    "write_report",
    "default_scenario",
    "load_scenario",
    "shipped_scenarios",
    "simulate",
    "simulate_to_file",
    "open_results",
    "budgets",
    "governance",
    "expected",
    "estimate",
    "forecast",
    "forecast_errors",
    "kpis",
    "baseline_measurement",
    "baseline_redistribution",
    "pilot_observations",
    "result_targets",
    "__version__",
]
