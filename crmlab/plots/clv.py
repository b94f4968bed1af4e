"""Figures of the clv analyses."""

from __future__ import annotations

__all__: list[str] = []
