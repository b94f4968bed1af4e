"""Figures of the retention analyses."""

from __future__ import annotations

__all__: list[str] = []
