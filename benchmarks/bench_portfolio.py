"""Speed of the customer-portfolio analyses on the full Complete Journey (1.47 M lines).

Run: ``.venv/bin/python benchmarks/bench_portfolio.py``. Prints the wall time of each step: the
load (cold and cached), customer features, k-means with k chosen by silhouette (k = 2..8) and 20
bootstrap refits, the Gaussian mixture by BIC, category profitability, price tiers, basket-level
associations (sparse incidence matrix, 155,848 baskets x 303 categories) with per-household
suggestions, up-selling slopes, loyalty usage, and one campaign's difference-in-differences with
its event study. Not a test: the numbers depend on the machine.
"""

from __future__ import annotations

import time

from crmlab import profitability, programmes, segments
from crmlab.datasets import load_complete_journey


def _timed(label: str, func):
    start = time.perf_counter()
    out = func()
    print(f"{label:<44} {time.perf_counter() - start:7.2f} s")
    return out


def main() -> None:
    data = _timed("load_complete_journey (cold)", load_complete_journey)
    data = _timed("load_complete_journey (cached read)", load_complete_journey)
    tx = data.transactions
    print(f"{len(tx):,} lines, {tx['customer_id'].nunique():,} households")
    features = _timed(
        "customer_features (departments)",
        lambda: segments.customer_features(tx, category_column="department"),
    )
    _timed(
        "cluster_customers kmeans, k by silhouette", lambda: segments.cluster_customers(features)
    )
    _timed("cluster_customers kmeans, k=4", lambda: segments.cluster_customers(features, k=4))
    _timed(
        "cluster_customers gmm, k by BIC",
        lambda: segments.cluster_customers(features, method="gmm", n_bootstrap=5),
    )
    _timed("category_profitability", lambda: profitability.category_profitability(tx))
    _timed("price_tiers", lambda: profitability.price_tiers(tx))
    rules = _timed(
        "category_associations (baskets)",
        lambda: profitability.category_associations(tx, min_support=0.01),
    )
    _timed(
        "category_associations (products, 0.5%)",
        lambda: profitability.category_associations(tx, level="product", min_support=0.005),
    )
    _timed(
        "next_category_suggestions",
        lambda: profitability.next_category_suggestions(tx, rules),
    )
    _timed("upselling_trends", lambda: profitability.upselling_trends(tx))
    _timed("loyalty_usage", lambda: programmes.loyalty_usage(tx))
    cid = programmes.default_campaign(data.campaigns, tx)
    _timed(
        f"campaign_effect (campaign {cid}, 8 + 8 weeks)",
        lambda: programmes.campaign_effect(tx, data.campaigns, data.campaign_receipts, cid),
    )


if __name__ == "__main__":
    main()
