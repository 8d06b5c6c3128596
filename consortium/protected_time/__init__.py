"""Protected time: a line manager approves the time a report asks for to join a programme."""
