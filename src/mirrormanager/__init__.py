"""MirrorManager: knows every mirror, checks it is current, and tells each client which to use."""

__version__ = "0.1.0"
