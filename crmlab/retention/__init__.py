"""Retention and churn: rates, cohort tables, survival curves and hazard models, and the
shifted-beta-geometric model of contractual retention with expected residual lifetimes.

Modules: :mod:`~crmlab.retention.rates` (retention rates per calendar period, overdue
customers), :mod:`~crmlab.retention.cohorts` (acquisition-cohort tables),
:mod:`~crmlab.retention.survival` (churn durations, Kaplan-Meier, median and restricted mean
survival, log-rank, Cox), :mod:`~crmlab.retention.sensitivity` (lifetimes at other churn
thresholds), :mod:`~crmlab.retention.hazards` (Cox hazard ratios per doubling, the
proportional-hazards check, Harrell's concordance),
:mod:`~crmlab.retention.sbg` (Fader & Hardie 2007, 2010),
:mod:`~crmlab.retention.subscriptions` (survivor tables, sBG per cohort, projections, the
retention-based CLV and retention elasticity) and :mod:`~crmlab.retention.findings` (sentences
for reports).

Every ``discount_rate`` is annual; ``period`` is a calendar period (``"W"`` a calendar week,
``"M"`` a calendar month) that groups dates into rates and cohorts, or gives the renewal period of
subscription data; ``time_unit`` is a length (``"W"`` is 7 days) in which durations are measured.
"""

from __future__ import annotations

from crmlab.retention.cohorts import cohort_counts_table, cohort_retention_table, cohort_sizes
from crmlab.retention.findings import retention_findings
from crmlab.retention.hazards import (
    concordance_index,
    cox_effects,
    harrell_concordance,
    proportional_hazards_test,
)
from crmlab.retention.rates import customer_periods, overdue_customers, retention_rates
from crmlab.retention.sbg import ShiftedBetaGeometric, sbg_loglik
from crmlab.retention.sensitivity import churn_threshold_sensitivity, label_durations
from crmlab.retention.subscriptions import (
    FADER_HARDIE_FIT_PERIODS,
    fit_periods_or_default,
    fit_survivors,
    observed_retention_rate,
    retention_value_table,
    sbg_comparison,
    sbg_projection_table,
    sbg_projections,
    subscription_survivors,
)
from crmlab.retention.survival import (
    churn_durations,
    cox_model,
    durations_by_segment,
    first_purchase_segment,
    kaplan_meier,
    logrank_test,
    restricted_mean_survival,
)

__all__ = [
    "FADER_HARDIE_FIT_PERIODS",
    "ShiftedBetaGeometric",
    "churn_durations",
    "churn_threshold_sensitivity",
    "cohort_counts_table",
    "cohort_retention_table",
    "cohort_sizes",
    "concordance_index",
    "cox_effects",
    "cox_model",
    "customer_periods",
    "durations_by_segment",
    "first_purchase_segment",
    "fit_periods_or_default",
    "fit_survivors",
    "harrell_concordance",
    "kaplan_meier",
    "label_durations",
    "logrank_test",
    "observed_retention_rate",
    "overdue_customers",
    "proportional_hazards_test",
    "restricted_mean_survival",
    "retention_findings",
    "retention_rates",
    "retention_value_table",
    "sbg_comparison",
    "sbg_loglik",
    "sbg_projection_table",
    "sbg_projections",
    "subscription_survivors",
]
