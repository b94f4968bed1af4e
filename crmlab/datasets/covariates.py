"""Customer covariates derived from bundled transactions (for the covariate models)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.datasets.bundled import load_cdnow

__all__ = ["cdnow_first_purchase_covariates"]


def cdnow_first_purchase_covariates(transactions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Covariates of each CDNOW customer's first purchase day.

    The covariates of the reference numbers of the static-covariate models (computed with
    CLVTools 0.12.1 on the bundled sample): ``log_first_spend = log(1 + total amount on the
    first purchase day)`` and ``multi_cd = 1`` when more than one CD was bought that day, else 0.

    Parameters
    ----------
    transactions : DataFrame, optional
        CDNOW transactions (``customer_id``, ``date``, ``amount``, ``quantity``);
        default :func:`crmlab.datasets.load_cdnow`.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``; columns ``log_first_spend`` (float) and ``multi_cd``
        (0.0 or 1.0).

    Examples
    --------
    >>> from crmlab.datasets import cdnow_first_purchase_covariates
    >>> cdnow_first_purchase_covariates().columns.tolist()
    ['log_first_spend', 'multi_cd']
    """
    tx = load_cdnow() if transactions is None else transactions
    day = tx["date"].dt.normalize()
    first = day.groupby(tx["customer_id"]).transform("min")
    on_first = tx[day == first]
    grouped = on_first.groupby("customer_id")
    out = pd.DataFrame(
        {
            "log_first_spend": np.log1p(grouped["amount"].sum()),
            "multi_cd": (grouped["quantity"].sum() > 1).astype(float),
        }
    )
    out.index.name = "customer_id"
    return out
