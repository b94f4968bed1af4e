"""Buy-till-you-die models of customer lifetime value.

Transaction models (fitted on ``crmlab.rfm.rfm_summary`` output): :class:`BGNBD`,
:class:`MBGNBD`, :class:`ParetoNBD` (continuous time) and :class:`BGBB` (discrete periods);
spend model :class:`GammaGamma`; discounted value :func:`customer_lifetime_value`; holdout
validation and diagnostics tables :func:`compare_models`, :func:`tracking_data`,
:func:`holdout_by_frequency`, :func:`repeat_frequency_distribution`,
:func:`frequency_recency_matrix`; notebook-facing tables (model choice, CLV tiers, the action
table, the lifetimes cross-check, computed findings) from :mod:`crmlab.clv.report`.
"""

from __future__ import annotations

from crmlab.clv.bgbb import BGBB
from crmlab.clv.bgnbd import BGNBD
from crmlab.clv.gammagamma import GammaGamma
from crmlab.clv.mbgnbd import MBGNBD
from crmlab.clv.paretonbd import ParetoNBD
from crmlab.clv.report import *  # noqa: F403
from crmlab.clv.report import __all__ as _report
from crmlab.clv.validation import (
    compare_models,
    frequency_recency_matrix,
    holdout_by_frequency,
    repeat_frequency_distribution,
    tracking_data,
)
from crmlab.clv.value import customer_lifetime_value, discount_rate_per_unit

__all__ = [
    *_report,
    "BGBB",
    "BGNBD",
    "MBGNBD",
    "GammaGamma",
    "ParetoNBD",
    "compare_models",
    "customer_lifetime_value",
    "discount_rate_per_unit",
    "frequency_recency_matrix",
    "holdout_by_frequency",
    "repeat_frequency_distribution",
    "tracking_data",
]
