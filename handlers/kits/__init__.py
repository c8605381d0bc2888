"""The kit library: readers (reader.py) and the coordinators' kit desk (desk.py)."""
