"""Customer profitability: profit per customer, the whale curve, deciles and cross-buying.

Customer profitability analysis ranks customers by the profit they bring and draws the
cumulative profit against the cumulative share of customers: the *whale curve* (Cooper & Kaplan
1991; Kaplan & Cooper 1998). Once customers who cost more to serve than they bring are counted,
the curve typically climbs well above 100% of total profit (the most profitable customers earn
more than the total) and falls back to 100% (the unprofitable tail destroys the excess).
Cross-buying (buying in several categories) is associated with higher revenue and longer
relationships (Kumar, George & Pancras 2008; Reinartz & Kumar 2003).

References
----------
Cooper, R. and Kaplan, R. S. (1991). The Design of Cost Management Systems. Prentice Hall.
Kaplan, R. S. and Cooper, R. (1998). Cost & Effect: Using Integrated Cost Systems to Drive
Profitability and Performance. Harvard Business School Press, chapter 10.
Kumar, V., George, M. and Pancras, J. (2008). Cross-buying in retailing: Drivers and
consequences. Journal of Retailing 84(1), 15-27.
Reinartz, W. J. and Kumar, V. (2003). The Impact of Customer Relationship Characteristics on
Profitable Lifetime Duration. Journal of Marketing 67(1), 77-99.

Modules: :mod:`~crmlab.profitability.customers` (profit, whale curve, deciles),
:mod:`~crmlab.profitability.crossbuying`, :mod:`~crmlab.profitability.categories` (category
profitability, price tiers), :mod:`~crmlab.profitability.baskets` (associations, next-category
suggestions), :mod:`~crmlab.profitability.upselling`,
:mod:`~crmlab.profitability.current_value`, :mod:`~crmlab.profitability.sensitivity` (the
headline at other margins and costs to serve) and :mod:`~crmlab.profitability.findings` (notebook
00's key findings).
"""

from __future__ import annotations

from crmlab.profitability.baskets import *  # noqa: F403
from crmlab.profitability.baskets import __all__ as _baskets
from crmlab.profitability.categories import *  # noqa: F403
from crmlab.profitability.categories import __all__ as _categories
from crmlab.profitability.crossbuying import *  # noqa: F403
from crmlab.profitability.crossbuying import __all__ as _crossbuying
from crmlab.profitability.current_value import *  # noqa: F403
from crmlab.profitability.current_value import __all__ as _current_value
from crmlab.profitability.customers import *  # noqa: F403
from crmlab.profitability.customers import __all__ as _customers
from crmlab.profitability.findings import *  # noqa: F403
from crmlab.profitability.findings import __all__ as _findings
from crmlab.profitability.sensitivity import *  # noqa: F403
from crmlab.profitability.sensitivity import __all__ as _sensitivity
from crmlab.profitability.upselling import *  # noqa: F403
from crmlab.profitability.upselling import __all__ as _upselling

__all__ = sorted(
    [
        *_baskets,
        *_categories,
        *_crossbuying,
        *_current_value,
        *_customers,
        *_findings,
        *_sensitivity,
        *_upselling,
    ]
)
