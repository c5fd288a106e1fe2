"""Benchmarks: scripts with settings at the top, results in results/."""
