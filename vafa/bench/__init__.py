"""Benchmarks behind `make bench`: real servers, real databases, results in var/bench/results.json."""
