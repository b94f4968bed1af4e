"""Seeded simulators for the satisfaction analyses (filled by the satisfaction work)."""

from __future__ import annotations

__all__: list[str] = []
