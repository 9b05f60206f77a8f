"""kam: a key-account manager for the command line."""

__version__ = "0.1.0"
