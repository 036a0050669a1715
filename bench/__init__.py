"""The benchmark harness: `python -m bench.run` (make bench) measures the shop against baselines."""
