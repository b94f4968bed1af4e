"""Checks and line margins shared by the profitability modules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crmlab.checks import check_fraction
from crmlab.errors import DataError

_DISCOUNT_COLUMNS = ("retail_disc", "coupon_disc", "coupon_match_disc")


def _require(transactions: pd.DataFrame, column: str, advice: str) -> None:
    if column not in transactions.columns:
        raise DataError(
            f"transactions have no '{column}' column (columns: {list(transactions.columns)}); "
            f"{advice}",
            column=column,
        )


def _level_values(transactions: pd.DataFrame, level: str) -> pd.Series:
    _require(
        transactions,
        level,
        f"map a column to '{level}' with crmlab.io.read_transactions(path, columns={{...}}) or "
        "join a product table.",
    )
    values = transactions[level]
    bad = transactions.index[values.isna()]
    if len(bad):
        raise DataError(
            f"column '{level}' has {len(bad)} missing value(s), e.g. at rows {list(bad[:5])}; "
            "fill them (for example with 'UNKNOWN') or drop those rows.",
            column=level,
            rows=list(bad[:5]),
        )
    return values


def _line_margin(
    transactions: pd.DataFrame,
    margin_rates: Mapping[Any, float] | None,
    level: str,
    default_rate: float | None,
    cost_column: str | None,
) -> np.ndarray:
    """Margin of every line: rate of its level value (or department) x amount, or amount - cost."""
    amount = transactions["amount"].to_numpy(dtype=float)
    if cost_column is not None:
        _require(transactions, cost_column, "pass the name of your cost-of-goods column.")
        return amount - transactions[cost_column].to_numpy(dtype=float)
    rates = dict(margin_rates or {})
    for name, value in rates.items():
        check_fraction(value, f"margin_rates[{name!r}]")
    rate = np.full(len(amount), np.nan)
    if level in transactions.columns and rates:
        rate = pd.Series(transactions[level].to_numpy()).map(rates).to_numpy(dtype=float)
    if "department" in transactions.columns and level != "department" and rates:
        dept = pd.Series(transactions["department"].to_numpy()).map(rates).to_numpy(float)
        rate = np.where(np.isnan(rate), dept, rate)
    if default_rate is not None:
        rate = np.where(np.isnan(rate), check_fraction(default_rate, "default_rate"), rate)
    return amount * rate
