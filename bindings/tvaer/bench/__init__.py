"""tvaer's benchmark, ``python -m tvaer.bench`` (docs/performance.md): the ladder reference model
(shared/bench/ladder.md) in tvaer, SimPy, plain Python with heapq and neworder, and the shipped
scenarios in tvaer. Imports nothing heavy: each measurement runs in a process of its own."""
