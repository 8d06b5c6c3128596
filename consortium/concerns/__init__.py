"""Concerns about a pairing: raised by one of its two people, for the coordinators only."""
