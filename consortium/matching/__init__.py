"""Matching runs: the candidate graph under hard constraints, scores, the solve, proposals."""
