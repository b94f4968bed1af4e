"""Seeded simulators for the retention analyses (filled by the retention work)."""

from __future__ import annotations

__all__: list[str] = []
