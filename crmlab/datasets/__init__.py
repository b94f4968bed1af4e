"""Bundled real data sets and seeded simulators with known true parameters.

Real data (``load_*``) is read from files bundled with crmlab (see ``data/README.md`` for source,
licence and columns); nothing is fetched at run time. Simulators (``simulate_*``) take a ``seed``
and return the data together with the true parameters that generated it.
"""

from __future__ import annotations

from crmlab.datasets.bundled import *  # noqa: F403
from crmlab.datasets.bundled import __all__ as _bundled
from crmlab.datasets.complete_journey import *  # noqa: F403
from crmlab.datasets.complete_journey import __all__ as _complete_journey
from crmlab.datasets.covariates import *  # noqa: F403
from crmlab.datasets.covariates import __all__ as _covariates
from crmlab.datasets.simulate_clv import *  # noqa: F403
from crmlab.datasets.simulate_clv import __all__ as _clv
from crmlab.datasets.simulate_portfolio import *  # noqa: F403
from crmlab.datasets.simulate_portfolio import __all__ as _portfolio
from crmlab.datasets.simulate_retention import *  # noqa: F403
from crmlab.datasets.simulate_retention import __all__ as _retention
from crmlab.datasets.simulate_satisfaction import *  # noqa: F403
from crmlab.datasets.simulate_satisfaction import __all__ as _satisfaction
from crmlab.datasets.simulate_value import *  # noqa: F403
from crmlab.datasets.simulate_value import __all__ as _value

__all__ = [
    *_bundled,
    *_complete_journey,
    *_covariates,
    *_clv,
    *_portfolio,
    *_retention,
    *_satisfaction,
    *_value,
]
