"""Seeded simulators for the clv analyses (filled by the clv work)."""

from __future__ import annotations

__all__: list[str] = []
