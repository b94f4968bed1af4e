"""Loyalty programmes and campaigns: usage, costs, campaign effects, programme effects.

- :func:`loyalty_usage` / :func:`loyalty_usage_summary`: how much of each customer's spend carries
  a loyalty discount, what the discounts cost, and spend and retention by usage tier.
- :func:`campaign_effect`: difference-in-differences of weekly spend between households that
  received a campaign and those that did not, with household and week fixed effects and errors
  clustered by household (Bertrand, Duflo & Mullainathan 2004), plus an event study.
- :func:`programme_effect`: the two-way fixed-effects estimate of a programme that customers
  join at different times, and the naive members-against-others comparison it corrects;
  :func:`callaway_santanna`: the cohort-by-cohort estimate that stays right when the effect
  changes with time since joining (Callaway & Sant'Anna 2021).
- :func:`coupon_redemption_rates`: redemption by campaign or by segment.

Selection is the central caveat: retailers target campaigns at chosen customers and customers
choose to join programmes, so members differ from non-members before any effect (Leenheer,
van Heerde, Bijmolt & Smidts 2007). Fixed effects remove stable differences; they do not remove
differences in trends.

Modules: :mod:`~crmlab.programmes.loyalty`, :mod:`~crmlab.programmes.effects` (two-way fixed
effects, the Wald test, programme effects with staggered joining) and
:mod:`~crmlab.programmes.campaigns` (campaign choice, difference-in-differences, coupons).

References
----------
Angrist, J. D. and Pischke, J.-S. (2009). Mostly Harmless Econometrics. Princeton, ch. 5.
Bertrand, M., Duflo, E. and Mullainathan, S. (2004). How much should we trust
differences-in-differences estimates? Quarterly Journal of Economics 119(1), 249-275.
Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
periods. Journal of Econometrics 225(2), 200-230.
de Chaisemartin, C. and D'Haultfoeuille, X. (2020). Two-way fixed effects estimators with
heterogeneous treatment effects. American Economic Review 110(9), 2964-2996.
Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment timing. Journal
of Econometrics 225(2), 254-277.
Leenheer, J., van Heerde, H. J., Bijmolt, T. H. A. and Smidts, A. (2007). Do loyalty programs
really enhance behavioral loyalty? International Journal of Research in Marketing 24, 31-47.
Wooldridge, J. M. (2010). Econometric Analysis of Cross Section and Panel Data, 2nd ed. MIT
Press.
"""

from __future__ import annotations

from crmlab.programmes.campaigns import *  # noqa: F403
from crmlab.programmes.campaigns import __all__ as _campaigns
from crmlab.programmes.effects import *  # noqa: F403
from crmlab.programmes.effects import __all__ as _effects
from crmlab.programmes.loyalty import *  # noqa: F403
from crmlab.programmes.loyalty import __all__ as _loyalty

__all__ = sorted([*_campaigns, *_effects, *_loyalty])
