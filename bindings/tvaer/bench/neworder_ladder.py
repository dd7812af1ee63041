"""The ladder model (shared/bench/ladder.md) as a neworder model: neworder advances a population
in fixed time steps (a ``neworder.Model`` with a ``LinearTimeline``), here 120 monthly steps,
every member in a step at once with NumPy.

What monthly steps can express, and what differs from the continuous-time model:

- **States** move once per month, from the exact one-month transition matrix exp(Q) of the
  member's regime (adult without or with an active mentor in S2, child), so the state
  distribution at whole months is exact; several moves within a month (S2 -> S1 -> S2) show as
  one or none, hence fewer counted transitions than the other implementations.
- **Costs of states** are the exact expectation of the month's cost given the state at the start
  of the month, (integral over [0, 1] of exp(Qs) ds) c, so mean costs per sector agree with the
  continuous model within statistical error wherever the mentor plays no part.
- **The mentor** starts, ends and drops only at month boundaries: requests from adults found
  in S2 at the start of a month (in family order after the queue), a duration ending with
  probability 1 - exp(-1/6) at each month's end (geometric, mean 6.5 months instead of 6), an
  early end at the end of the month in which the adult moved S2 -> S1, its effect on S2 -> S3
  for whole months. Its slots stay full, so the mentor's costs agree; the adults' flows through
  S2 differ slightly (a bias of the order of 0.1 % of employment costs [A]).

Events are counted with ladder.md's rule on this discrete realisation (observed moves, mentor
starts and ends, queue joins)."""

from __future__ import annotations

import warnings

import numpy as np
from scipy.linalg import expm

with warnings.catch_warnings():  # "installed in serial mode": we need no MPI
    warnings.simplefilter("ignore", RuntimeWarning)
    import neworder

from . import ladder as L

_MONTHS = int(L.HORIZON)


def _generator(rates: tuple[tuple[tuple[int, float], ...], ...]) -> np.ndarray:
    q = np.zeros((len(rates), len(rates)))
    for i, row in enumerate(rates):
        for j, r in row:
            q[i, j] += r
            q[i, i] -= r
    return q


def _month(q: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """exp(Q) and the expected cost of one month by starting state, (int_0^1 exp(Qs) ds) cost,
    from the exponential of the block matrix [[Q, I], [0, 0]] (Van Loan)."""
    n = len(q)
    block = np.zeros((2 * n, 2 * n))
    block[:n, :n] = q
    block[:n, n:] = np.eye(n)
    e = expm(block)
    return e[:n, :n], e[:n, n:] @ cost


def _adult_regimes() -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(exp(Q), employment cost of a month, adults' cost of a month) without and with a mentor."""
    out = []
    for mentored in (False, True):
        q = _generator(tuple(L.adult_rates(s, mentored) for s in range(len(L.ADULT_STATES))))
        p, employment = _month(q, np.array(L.EMPLOYMENT_COST))
        _, adults = _month(q, np.array([L.ADULTS_COST_S1, 0.0, 0.0, 0.0]))
        out.append((p, employment, adults))
    return out


def _int32(seed: int) -> int:
    """neworder seeds with a 32-bit signed integer: a hash of the 64-bit replication seed."""
    import hashlib

    return int.from_bytes(hashlib.blake2b(seed.to_bytes(8, "little"), digest_size=4).digest(), "little") % 2**31


def simulate(families: int, seed: int) -> L.Outcome:
    """One replication of `families` families with `seed`; see :class:`tvaer.bench.ladder.Outcome`."""
    class Ladder(neworder.Model):
        def __init__(self) -> None:
            super().__init__(neworder.LinearTimeline(0.0, L.HORIZON, _MONTHS), lambda *_: _int32(seed))
            self.adults = _adult_regimes()
            self.child_p, self.child_cost = _month(_generator(L.CHILD_RATES), np.array(L.CHILD_COST))
            self.adult = self.mc.sample(families, np.array(L.ADULT_INITIAL))
            self.child = self.mc.sample(families, np.array(L.CHILD_INITIAL))
            self.mentored = np.zeros(families, dtype=bool)
            self.queued = np.zeros(families, dtype=bool)
            self.entered = self.adult == L.S2  # who requests a mentor at the next step
            self.queue = np.empty(0, dtype=np.int64)
            self.free = L.capacity(families)
            self.month = 0
            self.out = L.Outcome()
            self.table = np.zeros((L.YEARS, len(L.SECTORS)))

        def move(self, state: np.ndarray, p: np.ndarray, who: np.ndarray) -> np.ndarray:
            new = state.copy()
            for i in range(len(p)):
                idx = np.flatnonzero(who & (state == i))
                if idx.size:
                    new[idx] = self.mc.sample(idx.size, p[i])
            return new

        def mentor_requests(self) -> None:
            in_s2 = self.adult == L.S2
            drop = self.queued & ~in_s2
            self.out.dropped += int(drop.sum())
            self.queued &= in_s2
            self.queue = self.queue[self.queued[self.queue]]
            new = np.flatnonzero(self.entered & ~self.mentored)
            served_new = min(new.size, max(0, self.free - self.queue.size))  # the queue goes first
            waiting = np.concatenate([self.queue, new])
            start = waiting[: self.free]
            self.queue = waiting[self.free:]
            self.out.events += start.size + new.size - served_new  # starts and queue joins
            self.free -= start.size
            self.mentored[start] = True
            self.queued[start] = False
            self.queued[self.queue] = True

        def step(self) -> None:
            self.mentor_requests()
            year = self.month // 12
            effect = self.mentored & (self.adult == L.S2)
            new_adult = self.adult.copy()
            for regime, who in enumerate((~effect, effect)):
                p, employment, adults = self.adults[regime]
                self.table[year, L.EMPLOYMENT] += employment[self.adult[who]].sum()
                self.table[year, L.ADULTS] += adults[self.adult[who]].sum()
                new_adult[who] = self.move(self.adult, p, who)[who]
            self.table[year, L.CHILDREN] += self.child_cost[self.child].sum()
            self.table[year, L.ADULTS] += L.MENTOR_COST * self.mentored.sum()
            new_child = self.move(self.child, self.child_p, np.ones(families, dtype=bool))
            self.out.events += int((new_adult != self.adult).sum() + (new_child != self.child).sum())
            end = self.mentored & ((self.mc.ustream(families) < 1.0 - np.exp(-1.0 / L.MENTOR_MEAN_MONTHS))
                                   | ((self.adult == L.S2) & (new_adult == L.S1)))
            self.out.events += int(end.sum())
            self.mentored &= ~end
            self.free += int(end.sum())
            self.entered = (new_adult == L.S2) & (self.adult != L.S2)
            self.adult, self.child = new_adult, new_child
            self.month += 1

        def finalise(self) -> None:
            self.out.costs = (self.table / families).tolist()

    model = Ladder()
    neworder.run(model)
    return model.out
