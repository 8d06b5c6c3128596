"""Availability: recurring windows (RFC 5545), days off, busy blocks imported from a person's
own calendar, and the free slots computed from them (never stored)."""
