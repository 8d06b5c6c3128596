"""The audit trail: who did what to which pairing, when, and why."""
