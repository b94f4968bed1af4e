"""Retention and churn: rates, cohort tables, survival curves and hazard models, and the
shifted-beta-geometric model of contractual retention with expected residual lifetimes.

Modules: :mod:`~crmlab.retention.rates` (retention rates per calendar period, overdue
customers), :mod:`~crmlab.retention.cohorts` (acquisition-cohort tables),
:mod:`~crmlab.retention.survival` (churn durations, Kaplan-Meier, log-rank, Cox),
:mod:`~crmlab.retention.sbg` (Fader & Hardie 2007, 2010),
:mod:`~crmlab.retention.subscriptions` (survivor tables, sBG per cohort) and
:mod:`~crmlab.retention.findings` (sentences for reports).
"""

from __future__ import annotations

from crmlab.retention.cohorts import cohort_counts_table, cohort_retention_table, cohort_sizes
from crmlab.retention.findings import retention_findings
from crmlab.retention.rates import customer_periods, overdue_customers, retention_rates
from crmlab.retention.sbg import ShiftedBetaGeometric, sbg_loglik
from crmlab.retention.subscriptions import fit_survivors, sbg_comparison, subscription_survivors
from crmlab.retention.survival import (
    churn_durations,
    cox_model,
    first_purchase_segment,
    kaplan_meier,
    logrank_test,
)

__all__ = [
    "ShiftedBetaGeometric",
    "churn_durations",
    "cohort_counts_table",
    "cohort_retention_table",
    "cohort_sizes",
    "cox_model",
    "customer_periods",
    "first_purchase_segment",
    "fit_survivors",
    "kaplan_meier",
    "logrank_test",
    "overdue_customers",
    "retention_findings",
    "retention_rates",
    "sbg_comparison",
    "sbg_loglik",
    "subscription_survivors",
]
