"""Figures of the customer-portfolio analyses."""

from __future__ import annotations

__all__: list[str] = []
