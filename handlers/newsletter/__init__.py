"""The Climate Newsletter: readers (reader.py) and the coordinators' issue desk (desk.py)."""
