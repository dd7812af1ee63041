"""The reference benchmark model "ladder" (shared/bench/ladder.md) as plain data, for the
implementations tvaer is compared with. Written from the specification, not from tvaer's engine
(tvaer's own copy is `tvaer::ladder_scenario`, engine/src/reference.cpp).

Every implementation returns a :class:`Outcome` per replication: the counted events (ladder.md
"Counting": adult and child transitions, mentor starts and ends, queue joins at t <= 120), the
dropped queue requests (reported, not counted) and the cost table in DKK per family, 10 years x
3 sectors."""

from __future__ import annotations

from dataclasses import dataclass, field

HORIZON = 120.0  #: months
YEARS = 10
SECTORS = ("employment", "adults", "children")
EMPLOYMENT, ADULTS, CHILDREN = range(3)

# Adult stages and their initial shares.
S1, S2, S3, JOB = range(4)
ADULT_STATES = ("S1", "S2", "S3", "JOB")
ADULT_INITIAL = (0.40, 0.35, 0.25, 0.0)
#: exit rates per month: ADULT_RATES[from] = ((to, rate), ...)
ADULT_RATES = (
    ((S2, 0.06),),
    ((S1, 0.02), (S3, 0.08)),
    ((S2, 0.02), (JOB, 0.10)),
    ((S3, 0.01),),
)
#: employment cost per month by adult stage; adults' cost per month in S1
EMPLOYMENT_COST = (15_000.0, 15_000.0, 15_000.0, 0.0)
ADULTS_COST_S1 = 5_000.0

# Child measures.
NONE, PREVENTIVE, PLACEMENT = range(3)
CHILD_STATES = ("NONE", "PREVENTIVE", "PLACEMENT")
CHILD_INITIAL = (0.50, 0.40, 0.10)
CHILD_RATES = (
    ((PREVENTIVE, 0.01),),
    ((NONE, 0.04), (PLACEMENT, 0.01)),
    ((PREVENTIVE, 0.03),),
)
CHILD_COST = (0.0, 8_000.0, 60_000.0)

# The mentor.
MENTOR_MEAN_MONTHS = 6.0
MENTOR_COST = 10_000.0  #: adults sector, per month while active
MENTOR_EFFECT = 1.5  #: multiplies S2 -> S3 while the mentor is active and the adult is in S2


def capacity(families: int) -> int:
    """Mentor slots: max(1, floor(N / 20))."""
    return max(1, families // 20)


def adult_rates(stage: int, mentored: bool) -> tuple[tuple[int, float], ...]:
    """The adult's exit rates in `stage`, with the mentor's effect on S2 -> S3."""
    if stage == S2 and mentored:
        return tuple((to, r * MENTOR_EFFECT if to == S3 else r) for to, r in ADULT_RATES[S2])
    return ADULT_RATES[stage]


@dataclass
class Outcome:
    """One replication: counted events, dropped requests, DKK per family by (year, sector)."""

    events: int = 0
    dropped: int = 0
    costs: list[list[float]] = field(default_factory=lambda: [[0.0] * len(SECTORS) for _ in range(YEARS)])

    def year1(self) -> list[float]:
        return list(self.costs[0])


class Ledger:
    """Exact cost accrual (rate x time), split at 12-month boundaries, in DKK for all families."""

    def __init__(self) -> None:
        self.table = [[0.0] * len(SECTORS) for _ in range(YEARS)]

    def accrue(self, sector: int, monthly: float, t0: float, t1: float) -> None:
        if monthly == 0.0 or t1 <= t0:
            return
        year = int(t0 // 12.0)
        while t0 < t1 and year < YEARS:
            end = min(t1, 12.0 * (year + 1))
            self.table[year][sector] += monthly * (end - t0)
            t0 = end
            year += 1

    def per_family(self, families: int) -> list[list[float]]:
        return [[v / families for v in row] for row in self.table]


def initial_state(u: float, shares: tuple[float, ...]) -> int:
    """The state whose cumulative share first exceeds u (u uniform on [0, 1))."""
    acc = 0.0
    for i, p in enumerate(shares):
        acc += p
        if u < acc:
            return i
    return len(shares) - 1


def pick(u: float, rates: tuple[tuple[int, float], ...], total: float) -> int:
    """The destination drawn in proportion to the rates, u uniform on [0, 1)."""
    x = u * total
    for to, r in rates:
        x -= r
        if x < 0.0:
            return to
    return rates[-1][0]
