"""Cross-buying within purchase-frequency bands, the partial correlation behind it, and price
tiers tested with one observation per customer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.errors import DataError
from crmlab.profitability import cross_buying_frequency, partial_correlation, price_tiers


def test_partial_correlation_equals_the_correlation_of_regression_residuals():
    """The closed form r_xy.z = (r_xy - r_xz r_yz) / sqrt((1 - r_xz^2)(1 - r_yz^2)) against the
    definition: the correlation of x and y after regressing each on z (Yule 1907)."""
    from scipy import stats

    rng = np.random.default_rng(2)
    z = rng.normal(size=500)
    x = 0.8 * z + rng.normal(size=500)
    y = 0.5 * z + 0.3 * x + rng.normal(size=500)
    design = np.column_stack([np.ones(500), z])

    def residual(v):
        return v - design @ np.linalg.lstsq(design, v, rcond=None)[0]

    expected = np.corrcoef(residual(x), residual(y))[0, 1]
    out = partial_correlation(x, y, z, alpha=0.1)
    assert out["r"] == pytest.approx(expected, rel=1e-10)
    half = stats.norm.ppf(0.95) / np.sqrt(500 - 4)  # Fisher's z with one controlled variable
    assert out["lower"] == pytest.approx(np.tanh(np.arctanh(expected) - half), rel=1e-10)
    assert out["upper"] == pytest.approx(np.tanh(np.arctanh(expected) + half), rel=1e-10)
    with pytest.raises(DataError):
        partial_correlation([1.0, np.nan, 2, 3, 4], [1.0, 2, 3, 4, 5], [1.0, 2, 3, 4, 5])


def _log(breadth_matters: bool, seed: int = 0) -> pd.DataFrame:
    """Customers whose breadth and revenue both follow their purchase frequency; with
    ``breadth_matters`` broader buyers also spend more per purchase."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(400):
        n = int(rng.integers(1, 30))
        width = max(1, min(20, int(rng.poisson(1 + n / 2))))
        price = 10.0 * (1 + (width / 5 if breadth_matters else 0))
        spend = price * rng.lognormal(0.0, 0.3)  # the customer's own spend level
        for d in range(n):
            day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=d)
            rows.append((c, day, spend, d % width))
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount", "category"])


def test_frequency_bands_separate_breadth_from_frequency():
    only_frequency = cross_buying_frequency(_log(False), n_bands=4)
    a = only_frequency.attrs
    assert a["spearman"] > 0.6  # breadth and revenue both follow frequency ...
    assert abs(a["partial"]) < 0.15  # ... and nothing is left once frequency is held fixed
    assert a["partial_lower"] < a["partial"] < a["partial_upper"]
    assert a["n_customers"] == 400 and a["category_word"] == "categories"
    assert only_frequency["customers"].sum() == 400
    assert list(only_frequency.index.names) == ["frequency_band", "breadth"]
    assert set(only_frequency.index.get_level_values("breadth")) == {"narrower", "broader"}
    assert all(b.endswith("days") for b in only_frequency.index.get_level_values(0))
    breadth = cross_buying_frequency(_log(True), n_bands=4)
    assert breadth.attrs["partial"] > 0.5
    gap = breadth["mean_revenue"].unstack("breadth")
    assert (gap["broader"] > gap["narrower"]).all()  # within every band


def test_price_tier_test_counts_customers_not_lines():
    rng = np.random.default_rng(4)
    rows = []
    for c in range(60):
        for _ in range(int(rng.integers(2, 8))):
            prod = ["p1", "p2", "p3"][int(rng.integers(0, 3))]
            price = {"p1": 1.0, "p2": 2.3, "p3": 3.7}[prod]  # no ties of spend
            rows.append((c, prod, price * (1 + c / 30), 1, "cat"))
    tx = pd.DataFrame(rows, columns=["customer_id", "product", "amount", "quantity", "category"])
    tx["date"] = pd.Timestamp("2024-01-01")
    once = price_tiers(tx, n_deciles=3)
    tenfold = price_tiers(pd.concat([tx] * 10, ignore_index=True), n_deciles=3)
    assert once.test.loc[0, "n_customers"] == 60
    assert once.customer_counts.to_numpy().sum() == 60
    # ten copies of every line: ten times the lines, the same customers and the same test
    assert tenfold.counts.to_numpy().sum() == 10 * once.counts.to_numpy().sum()
    pd.testing.assert_frame_equal(tenfold.test, once.test)
