"""The volunteers' programme: calls for ideas (the volunteer's side and the coordinators' desk)."""
