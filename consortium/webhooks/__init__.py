"""Outbound webhooks: an organisation's endpoints, the events they receive, signed deliveries."""
