"""The L2 constructs."""
