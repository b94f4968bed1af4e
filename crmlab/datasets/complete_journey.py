"""Loader of The Complete Journey (filled by the customer-portfolio work)."""

from __future__ import annotations

__all__: list[str] = []
