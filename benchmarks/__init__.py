"""Benchmarks for fieldnotes: run `python -m benchmarks`."""
