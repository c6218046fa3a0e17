"""Measuring twitchwatch: the one implementation behind `twitchwatch bench` and `benchmarks/`.

Modules, one job each: ``machine`` (CPU, cores, versions, date), ``signals`` (simulator blocks,
tiled into streams of any length), ``timing`` (clocks, rates, percentiles), ``baselines`` (numpy,
scipy, NeuroKit2, BioSPPy on the same array), ``throughput`` (the engine in steady state),
``latency`` (per-chunk through the public API), ``startup`` and ``probe`` (cold/warm start and
memory, in a fresh process), ``accuracy`` (scores on the simulator's ground truth), ``suite``
(what `twitchwatch bench` runs) and ``report`` (the tables a person reads).

The library logs and returns numbers; it never prints (the CLI and the benchmarks do).
"""
