"""Sessions a pair books and holds: never double-booked for either person, with prep notes,
shared and private notes, follow-up actions and goal reviews."""
