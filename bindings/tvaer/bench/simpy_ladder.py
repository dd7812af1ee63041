"""The ladder model (shared/bench/ladder.md) in SimPy, written the way SimPy's documentation
teaches: one process per adult, per child and per mentor request, the mentor a
``simpy.Resource`` with a FIFO queue, a rate change delivered as an interrupt to the adult's
process (which redraws its clock: the clocks are memoryless). ``env.run(until=120)`` leaves
events after the horizon unprocessed, so only events at t <= 120 are counted."""

from __future__ import annotations

import random

import simpy

from . import ladder as L


def simulate(families: int, seed: int) -> L.Outcome:
    """One replication of `families` families with `seed`; see :class:`tvaer.bench.ladder.Outcome`."""
    rng = random.Random(seed)
    env = simpy.Environment()
    mentors = simpy.Resource(env, capacity=L.capacity(families))
    ledger = L.Ledger()
    out = L.Outcome()
    adults = [Adult(env, rng, ledger, out, mentors) for _ in range(families)]
    children = [Child(env, rng, ledger, out) for _ in range(families)]
    for a in adults:
        a.process = env.process(a.run())
    for c in children:
        env.process(c.run())
    for a in adults:
        if a.stage == L.S2:
            a.request()
    env.run(until=L.HORIZON)
    for a in adults:
        a.settle()
    for c in children:
        ledger.accrue(L.CHILDREN, L.CHILD_COST[c.state], c.since, L.HORIZON)
    out.costs = ledger.per_family(families)
    return out


class Child:
    def __init__(self, env, rng, ledger, out):
        self.env, self.rng, self.ledger, self.out = env, rng, ledger, out
        self.state = L.initial_state(rng.random(), L.CHILD_INITIAL)
        self.since = 0.0

    def run(self):
        while True:
            rates = L.CHILD_RATES[self.state]
            total = sum(r for _, r in rates)
            yield self.env.timeout(self.rng.expovariate(total))
            now = self.env.now
            self.ledger.accrue(L.CHILDREN, L.CHILD_COST[self.state], self.since, now)
            self.state = L.pick(self.rng.random(), rates, total)
            self.since = now
            self.out.events += 1


class Adult:
    def __init__(self, env, rng, ledger, out, mentors):
        self.env, self.rng, self.ledger, self.out, self.mentors = env, rng, ledger, out, mentors
        self.stage = L.initial_state(rng.random(), L.ADULT_INITIAL)
        self.since = 0.0
        self.mentor = None  # the Mentor process while queued or active
        self.mentored = False
        self.process = None

    def run(self):
        while True:
            rates = L.adult_rates(self.stage, self.mentored)
            total = sum(r for _, r in rates)
            try:
                yield self.env.timeout(self.rng.expovariate(total))
            except simpy.Interrupt:
                continue  # the rate changed: redraw from now
            self.transition(L.pick(self.rng.random(), rates, total))

    def transition(self, new):
        now = self.env.now
        old = self.stage
        self.ledger.accrue(L.EMPLOYMENT, L.EMPLOYMENT_COST[old], self.since, now)
        if old == L.S1:
            self.ledger.accrue(L.ADULTS, L.ADULTS_COST_S1, self.since, now)
        self.stage, self.since = new, now
        self.out.events += 1
        if old == L.S2 and self.mentor is not None and not self.mentored:
            self.mentor.interrupt("left S2")  # queued: the request is dropped
        elif old == L.S2 and new == L.S1 and self.mentored:
            self.mentor.interrupt("S1")  # the only move that ends a mentor early
        if new == L.S2:
            self.request()

    def request(self):
        if self.mentor is None:  # mentored or queued already: no new request
            self.mentor = self.env.process(mentor(self))

    def settle(self):
        self.ledger.accrue(L.EMPLOYMENT, L.EMPLOYMENT_COST[self.stage], self.since, L.HORIZON)
        if self.stage == L.S1:
            self.ledger.accrue(L.ADULTS, L.ADULTS_COST_S1, self.since, L.HORIZON)
        if self.mentored:
            self.ledger.accrue(L.ADULTS, L.MENTOR_COST, self.started, L.HORIZON)


def mentor(adult):
    """One mentor request: waits in the resource's FIFO queue, runs, releases its slot."""
    env, out = adult.env, adult.out
    with adult.mentors.request() as slot:
        if not slot.triggered:
            out.events += 1  # a queue join
            try:
                yield slot
            except simpy.Interrupt:
                out.dropped += 1  # leaving the context manager cancels the request
                adult.mentor = None
                return
        out.events += 1  # a start
        adult.mentored, adult.started = True, env.now
        if adult.stage == L.S2:
            adult.process.interrupt("mentor")
        try:
            yield env.timeout(adult.rng.expovariate(1.0 / L.MENTOR_MEAN_MONTHS))
            early = False
        except simpy.Interrupt:
            early = True
        out.events += 1  # an end, natural or early
        adult.ledger.accrue(L.ADULTS, L.MENTOR_COST, adult.started, env.now)
        adult.mentored, adult.mentor = False, None
        if not early and adult.stage == L.S2:
            adult.process.interrupt("mentor ended")
