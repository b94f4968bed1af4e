"""Customer segments and the customer portfolio: clusters, strategies, key accounts, levels.

- :func:`customer_features` and :func:`cluster_customers`: data-driven segments (k-means or a
  Gaussian mixture on standardised log RFM, CLV and category shares), the number of clusters
  chosen by the silhouette (Rousseeuw 1987) or the BIC (Schwarz 1978), profiles, and stability as
  the adjusted Rand index (Hubert & Arabie 1985) between the full-data labels and those of models
  refitted on bootstrap resamples (Hennig 2007).
- :func:`relationship_portfolio`: each customer placed by current and future value into one of
  four strategies (Turnbull 1990; Ryals 2005, "managing customers profitably").
- :func:`key_accounts`: the most valuable customers and their share of value (concentration).
- :func:`relationship_levels`: Kotler's five levels of relationship (basic, reactive,
  accountable, proactive, partnership) from value and interaction intensity (Kotler & Keller
  2016, ch. 5; Kotler & Armstrong 1996).

Modules: :mod:`~crmlab.segments.clusters`, :mod:`~crmlab.segments.portfolio` and
:mod:`~crmlab.segments.findings` (notebook 05's key findings).

References
----------
Hennig, C. (2007). Cluster-wise assessment of cluster stability. Computational Statistics & Data
Analysis 52(1), 258-271.
Hubert, L. and Arabie, P. (1985). Comparing partitions. Journal of Classification 2, 193-218.
Kotler, P. and Keller, K. L. (2016). Marketing Management, 15th ed. Pearson, chapter 5.
Rousseeuw, P. J. (1987). Silhouettes. Journal of Computational and Applied Mathematics 20, 53-65.
Ryals, L. (2005). Making Customer Relationship Management Work: The Measurement and Profitable
Management of Customer Relationships. Journal of Marketing 69(4), 252-261.
Schwarz, G. (1978). Estimating the dimension of a model. Annals of Statistics 6(2), 461-464.
Turnbull, P. W. (1990). A review of portfolio planning models for industrial marketing and
purchasing management. European Journal of Marketing 24(3), 7-22.
"""

from __future__ import annotations

from crmlab.segments.clusters import *  # noqa: F403
from crmlab.segments.clusters import __all__ as _clusters
from crmlab.segments.findings import *  # noqa: F403
from crmlab.segments.findings import __all__ as _findings
from crmlab.segments.portfolio import *  # noqa: F403
from crmlab.segments.portfolio import LEVELS as LEVELS
from crmlab.segments.portfolio import __all__ as _portfolio

__all__ = sorted([*_clusters, *_findings, *_portfolio])
