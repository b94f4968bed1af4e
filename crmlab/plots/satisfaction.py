"""Figures of the satisfaction analyses."""

from __future__ import annotations

__all__: list[str] = []
