"""A person's sessions as an iCalendar feed behind a secret URL, and invitations by email."""
