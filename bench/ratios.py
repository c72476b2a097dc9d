"""The ratios of the benchmark report, and how it prints them (parts 1 to 3)."""

from __future__ import annotations


def ratio(ours: float, theirs: float) -> float | None:
    """``ours / theirs``; None when undefined (0/0 is 1: both need nothing)."""
    if theirs == 0:
        return 1.0 if ours == 0 else None
    return ours / theirs


def fmt_ratio(value: float | None) -> str:
    """Two decimals; None (something where nothing was needed) shows as ``inf``."""
    return "inf" if value is None else f"{value:.2f}"
