"""Pairings of a mentor and a mentee, and the sessions they hold."""
