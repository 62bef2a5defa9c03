"""Benchmarks (`make bench`, `make bench-*`): they print numbers and write them under results/."""
