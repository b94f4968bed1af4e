"""Figures of the value analyses."""

from __future__ import annotations

__all__: list[str] = []
