"""Fixtures of the local deploy tests, defined in local_support (importable by the tests)."""

from local_support import local, synthesized

__all__ = ["local", "synthesized"]
