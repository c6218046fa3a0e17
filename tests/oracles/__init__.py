"""Slow, obviously correct references for the engine's tests (after stumpy's ``tests/naive.py``).

- ``front_end``: the per-channel front end of the detector (filters, mains identification,
  energy envelope, noise-floor blocks, segments) in NumPy/scipy and plain Python loops.
- ``signals``: small synthetic signals (noise, potentials with known positions).
- ``memory``: peak allocation while reading (readers must stream).
- ``state_view``: reads the detector's state arrays whatever their axis order.
"""
