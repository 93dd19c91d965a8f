"""Benchmarks: a bulk data generator (bench.generate) and the page runner (bench.run)."""
