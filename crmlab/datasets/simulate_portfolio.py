"""Seeded simulators for the customer-portfolio analyses (filled by the portfolio work)."""

from __future__ import annotations

__all__: list[str] = []
