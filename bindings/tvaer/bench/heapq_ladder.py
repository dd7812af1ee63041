"""The ladder model (shared/bench/ladder.md) in plain Python with a binary heap: the baseline a
Python programmer writes by hand. One pending clock per adult and per child; a clock made stale
by a rate change or a mentor that ended early is skipped when it pops (a tag per member)."""

from __future__ import annotations

import heapq
import random
from collections import deque

from . import ladder as L

_ADULT, _CHILD, _MENTOR_END = range(3)


def simulate(families: int, seed: int) -> L.Outcome:
    """One replication of `families` families with `seed`; see :class:`tvaer.bench.ladder.Outcome`."""
    rng = random.Random(seed)
    uniform, expo = rng.random, rng.expovariate
    out = L.Outcome()
    ledger = L.Ledger()
    adult = [L.initial_state(uniform(), L.ADULT_INITIAL) for _ in range(families)]
    child = [L.initial_state(uniform(), L.CHILD_INITIAL) for _ in range(families)]
    adult_since = [0.0] * families
    child_since = [0.0] * families
    adult_tag = [0] * families
    child_tag = [0] * families
    mentor = [0] * families  # 0 none, 1 queued, 2 active
    mentor_since = [0.0] * families
    mentor_tag = [0] * families
    queue: deque[tuple[int, int]] = deque()
    heap: list[tuple[float, int, int, int, int]] = []
    seq = 0
    free = L.capacity(families)
    events = 0

    def push(t: float, kind: int, f: int, tag: int) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(heap, (t, seq, kind, f, tag))

    def adult_clock(f: int, t: float) -> None:
        rates = L.adult_rates(adult[f], mentor[f] == 2)
        adult_tag[f] += 1
        push(t + expo(sum(r for _, r in rates)), _ADULT, f, adult_tag[f])

    def child_clock(f: int, t: float) -> None:
        rates = L.CHILD_RATES[child[f]]
        child_tag[f] += 1
        push(t + expo(sum(r for _, r in rates)), _CHILD, f, child_tag[f])

    def start(f: int, t: float) -> None:
        nonlocal free, events
        free -= 1
        events += 1
        mentor[f] = 2
        mentor_since[f] = t
        mentor_tag[f] += 1
        push(t + expo(1.0 / L.MENTOR_MEAN_MONTHS), _MENTOR_END, f, mentor_tag[f])
        if adult[f] == L.S2:
            adult_clock(f, t)  # the S2 -> S3 rate changed: redraw (memoryless)

    def end(f: int, t: float) -> None:
        nonlocal free, events
        events += 1
        ledger.accrue(L.ADULTS, L.MENTOR_COST, mentor_since[f], t)
        mentor[f] = 0
        mentor_tag[f] += 1  # a pending natural end is now stale
        free += 1
        while queue:
            g, tag = queue.popleft()
            if mentor[g] == 1 and mentor_tag[g] == tag:
                start(g, t)
                break

    def request(f: int, t: float) -> None:
        nonlocal events
        if mentor[f] != 0:
            return
        if free > 0:
            start(f, t)
        else:
            events += 1
            mentor[f] = 1
            mentor_tag[f] += 1
            queue.append((f, mentor_tag[f]))

    for f in range(families):
        adult_clock(f, 0.0)
        child_clock(f, 0.0)
    for f in range(families):
        if adult[f] == L.S2:
            request(f, 0.0)

    while heap:
        t, _, kind, f, tag = heapq.heappop(heap)
        if t > L.HORIZON:
            break
        if kind == _ADULT:
            if tag != adult_tag[f]:
                continue
            old = adult[f]
            rates = L.adult_rates(old, mentor[f] == 2)
            new = L.pick(uniform(), rates, sum(r for _, r in rates))
            ledger.accrue(L.EMPLOYMENT, L.EMPLOYMENT_COST[old], adult_since[f], t)
            if old == L.S1:
                ledger.accrue(L.ADULTS, L.ADULTS_COST_S1, adult_since[f], t)
            events += 1
            adult[f] = new
            adult_since[f] = t
            adult_clock(f, t)
            if old == L.S2 and mentor[f] == 1:  # left S2 while queued: the request is dropped
                mentor[f] = 0
                mentor_tag[f] += 1
                out.dropped += 1
            elif old == L.S2 and new == L.S1 and mentor[f] == 2:
                end(f, t)
            if new == L.S2:
                request(f, t)
        elif kind == _CHILD:
            if tag != child_tag[f]:
                continue
            old = child[f]
            rates = L.CHILD_RATES[old]
            new = L.pick(uniform(), rates, sum(r for _, r in rates))
            ledger.accrue(L.CHILDREN, L.CHILD_COST[old], child_since[f], t)
            events += 1
            child[f] = new
            child_since[f] = t
            child_clock(f, t)
        else:
            if tag != mentor_tag[f] or mentor[f] != 2:
                continue
            end(f, t)
            if adult[f] == L.S2:
                adult_clock(f, t)  # the effect ends: back to the base rate

    for f in range(families):  # settle at the horizon
        ledger.accrue(L.EMPLOYMENT, L.EMPLOYMENT_COST[adult[f]], adult_since[f], L.HORIZON)
        if adult[f] == L.S1:
            ledger.accrue(L.ADULTS, L.ADULTS_COST_S1, adult_since[f], L.HORIZON)
        ledger.accrue(L.CHILDREN, L.CHILD_COST[child[f]], child_since[f], L.HORIZON)
        if mentor[f] == 2:
            ledger.accrue(L.ADULTS, L.MENTOR_COST, mentor_since[f], L.HORIZON)
    out.events = events
    out.costs = ledger.per_family(families)
    return out
