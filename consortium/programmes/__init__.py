"""Programmes a consortium runs, and mentees' applications to them."""
