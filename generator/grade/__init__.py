"""Grading typed student responses of a class set against each student's own
version: ``python -m generator grade CLASS_DIR --responses FILE.csv``."""
