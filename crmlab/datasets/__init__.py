"""Bundled real data sets and seeded simulators with known true parameters.

Real data (``load_*``) is read from files bundled with crmlab (see ``data/README.md`` for source,
licence and columns); nothing is fetched at run time. Simulators (``simulate_*``) take a ``seed``
and return the data together with the true parameters that generated it.

The submodules are imported on first use of one of their names (PEP 562): ``import crmlab.inputs``
does not import scipy.stats through the simulators (tests/test_lazy_imports.py checks the table
below against every submodule's ``__all__``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmlab._lazy import lazy_exports

if TYPE_CHECKING:  # the names for type checkers and the import graph; at run time: __getattr__
    from crmlab.datasets.bundled import *  # noqa: F403
    from crmlab.datasets.complete_journey import *  # noqa: F403
    from crmlab.datasets.covariates import *  # noqa: F403
    from crmlab.datasets.simulate_clv import *  # noqa: F403
    from crmlab.datasets.simulate_portfolio import *  # noqa: F403
    from crmlab.datasets.simulate_retention import *  # noqa: F403
    from crmlab.datasets.simulate_satisfaction import *  # noqa: F403
    from crmlab.datasets.simulate_value import *  # noqa: F403

#: Submodule -> the public names it defines (its ``__all__``).
_SUBMODULES: dict[str, list[str]] = {
    "bundled": [
        "load_cdnow",
        "load_donations",
        "load_fader_hardie_cohorts",
        "load_mobi",
        "load_satisfaction",
        "load_wholesale",
    ],
    "complete_journey": [
        "CompleteJourney",
        "complete_journey_available",
        "load_complete_journey",
        "normalise_codes",
        "portfolio_data",
        "read_portfolio",
    ],
    "covariates": [
        "calendar_covariates",
        "cdnow_first_purchase_covariates",
        "cdnow_spring_covariates",
    ],
    "simulate_clv": [
        "SimulatedCustomers",
        "simulate_bgnbd",
        "simulate_gammagamma",
        "simulate_paretonbd",
    ],
    "simulate_portfolio": ["simulate_programme"],
    "simulate_retention": ["simulate_subscriptions"],
    "simulate_satisfaction": ["SERVQUAL_ITEMS", "simulate_servqual_survey"],
    "simulate_value": ["BrandValueTruth", "SimulatedRatings", "simulate_brand_ratings"],
}
__all__, __getattr__, __dir__ = lazy_exports(__name__, _SUBMODULES)
