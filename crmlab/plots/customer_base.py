"""Figures of the customer_base analyses."""

from __future__ import annotations

__all__: list[str] = []
