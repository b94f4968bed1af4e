"""Figures: one function per figure, tables in, matplotlib Axes (or Figure) out, one theme.

Plot functions never compute analyses; they draw the tables the analysis modules return.
"""

from __future__ import annotations

from crmlab._deprecation import renamed
from crmlab.plots.base import *  # noqa: F403
from crmlab.plots.base import __all__ as _base
from crmlab.plots.clv import *  # noqa: F403
from crmlab.plots.clv import __all__ as _clv
from crmlab.plots.customer_base import *  # noqa: F403
from crmlab.plots.customer_base import __all__ as _customer_base
from crmlab.plots.portfolio import *  # noqa: F403
from crmlab.plots.portfolio import __all__ as _portfolio
from crmlab.plots.retention import *  # noqa: F403
from crmlab.plots.retention import __all__ as _retention
from crmlab.plots.satisfaction import *  # noqa: F403
from crmlab.plots.satisfaction import __all__ as _satisfaction
from crmlab.plots.value import *  # noqa: F403
from crmlab.plots.value import __all__ as _value

__all__ = [*_base, *_clv, *_customer_base, *_portfolio, *_retention, *_satisfaction, *_value]

# Old figure names (``portfolio_map``, ``event_study_plot``, ...): deprecated aliases.
from crmlab.plots import portfolio as _portfolio_module

__getattr__ = renamed(
    __name__,
    {
        old: (lambda new=new: getattr(_portfolio_module, new))
        for old, new in _portfolio_module.RENAMED.items()
    },
)
