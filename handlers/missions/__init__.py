"""The solidarity chain: volunteers' missions (volunteer.py) and the coordinators' mission desk (coordinator.py)."""
