"""Feedback after sessions, evaluations at the end of a pairing, and the programme report."""
