"""Do two implementations compute the same mean yearly costs? Year-1 cost per family and sector,
mean and standard error over independent replications, and Welch's t per sector, flagged beyond
a bound that keeps the chance of any false alarm in a run below 0.1 %."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import fmean, stdev
from typing import Sequence

from . import ladder as L

ALPHA = 0.001  #: family-wise false-alarm probability of one run's agreement checks


@dataclass(frozen=True)
class Difference:
    """One sector's year-1 cost per family in two implementations."""

    mean_a: float
    se_a: float
    mean_b: float
    se_b: float
    dof_a: int  #: replications of a less one
    dof_b: int

    @property
    def t(self) -> float:
        return (self.mean_a - self.mean_b) / math.hypot(self.se_a, self.se_b)

    @property
    def df(self) -> float:
        """Welch-Satterthwaite degrees of freedom (each SE from its own replications)."""
        return math.hypot(self.se_a, self.se_b) ** 4 / (self.se_a ** 4 / self.dof_a + self.se_b ** 4 / self.dof_b)


def mean_and_se(values: Sequence[float]) -> tuple[float, float]:
    """The mean of independent replications' values and its standard error (NaN for fewer than 2)."""
    if len(values) < 2:
        return fmean(values), math.nan
    return fmean(values), stdev(values) / math.sqrt(len(values))


def differences(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]]) -> list[Difference]:
    """Per sector, from two lists of replications' year-1 costs per family (a row per
    replication, a value per sector of :data:`tvaer.bench.ladder.SECTORS`)."""
    out = []
    for s in range(len(L.SECTORS)):
        ma, sa = mean_and_se([row[s] for row in a])
        mb, sb = mean_and_se([row[s] for row in b])
        out.append(Difference(ma, sa, mb, sb, len(a) - 1, len(b) - 1))
    return out


def bound(comparisons: int, df: float, alpha: float = ALPHA) -> float:
    """The |t| beyond which a difference is flagged: two-sided at `alpha`, Bonferroni over
    `comparisons`, Student's t with `df` degrees of freedom."""
    from scipy.special import stdtrit

    return float(stdtrit(df, 1.0 - alpha / (2.0 * max(1, comparisons))))
