"""Buy-till-you-die models of customer lifetime value.

Transaction models (fitted on ``crmlab.rfm.rfm_summary`` output): :class:`BGNBD`,
:class:`MBGNBD`, :class:`ParetoNBD`, :class:`GGomNBD`, :class:`BGCNBD`, :class:`MBGCNBD`,
:class:`NBD` (continuous time; static covariates in :mod:`crmlab.clv.covariates`, purchase-dropout
correlation in :mod:`crmlab.clv.correlation`, time-varying covariates :class:`ParetoNBDDynamic`) and :class:`BGBB` (discrete periods);
spend model :class:`GammaGamma`; discounted value :func:`customer_lifetime_value`; holdout
validation and diagnostics tables :func:`compare_models`, :func:`tracking_data`,
:func:`holdout_by_frequency`, :func:`repeat_frequency_distribution`,
:func:`frequency_recency_matrix`; notebook-facing model choice (:mod:`crmlab.clv.selection`),
CLV tiers and the action table (:mod:`crmlab.clv.actions`), tables (:mod:`crmlab.clv.tables`)
and computed findings (:mod:`crmlab.clv.findings`).
"""

from __future__ import annotations

from typing import Any

from crmlab.clv.actions import *  # noqa: F403
from crmlab.clv.actions import __all__ as _actions
from crmlab.clv.actions import action_rules
from crmlab.clv.bgbb import BGBB
from crmlab.clv.bgcnbd import BGCNBD, MBGCNBD
from crmlab.clv.bgnbd import BGNBD
from crmlab.clv.correlation import ParetoNBDCorrelated
from crmlab.clv.dynamic import ParetoNBDDynamic
from crmlab.clv.findings import *  # noqa: F403
from crmlab.clv.findings import __all__ as _findings
from crmlab.clv.gammagamma import (
    GammaGamma,
    GammaGammaIndividual,
    next_transaction_distribution,
    spend_distribution,
    spend_interval,
)
from crmlab.clv.ggomnbd import GGomNBD
from crmlab.clv.mbgnbd import MBGNBD
from crmlab.clv.nbd import NBD
from crmlab.clv.paretonbd import ParetoNBD
from crmlab.clv.predictive import *  # noqa: F403
from crmlab.clv.predictive import __all__ as _predictive
from crmlab.clv.selection import *  # noqa: F403
from crmlab.clv.selection import __all__ as _selection
from crmlab.clv.tables import *  # noqa: F403
from crmlab.clv.tables import __all__ as _tables
from crmlab.clv.validation import (
    compare_models,
    frequency_recency_band,
    frequency_recency_matrix,
    holdout_by_frequency,
    probability_alive_path,
    repeat_frequency_distribution,
    tracking_data,
)
from crmlab.clv.value import customer_lifetime_value, discount_rate_per_unit, new_customer_value

__all__ = [
    *_actions,
    *_findings,
    *_predictive,
    *_selection,
    *_tables,
    "BGBB",
    "BGCNBD",
    "BGNBD",
    "MBGCNBD",
    "MBGNBD",
    "NBD",
    "GGomNBD",
    "GammaGamma",
    "GammaGammaIndividual",
    "ParetoNBD",
    "ParetoNBDCorrelated",
    "ParetoNBDDynamic",
    "compare_models",
    "customer_lifetime_value",
    "discount_rate_per_unit",
    "frequency_recency_band",
    "frequency_recency_matrix",
    "holdout_by_frequency",
    "new_customer_value",
    "probability_alive_path",
    "next_transaction_distribution",
    "repeat_frequency_distribution",
    "spend_distribution",
    "spend_interval",
    "tracking_data",
]


def __getattr__(name: str) -> Any:
    if name == "ACTION_RULES":  # the former module-level frame: a fresh copy on every access
        return action_rules()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
