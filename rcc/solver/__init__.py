"""Solvers over the candidate-pairs table: exact CP-SAT, the greedy status quo, and helpers."""
