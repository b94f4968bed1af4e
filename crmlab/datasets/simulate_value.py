"""Seeded simulators for the value analyses (filled by the value work)."""

from __future__ import annotations

__all__: list[str] = []
