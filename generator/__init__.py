"""Generate verified versions of CSE 616 Neural Networks, Assignment 1."""

__version__ = "0.1.0"
