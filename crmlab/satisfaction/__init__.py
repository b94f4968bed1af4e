"""Customer satisfaction: expectation/perception gaps, reliability, importance-performance
analysis, driver models and PLS satisfaction-index models (ECSI/ACSI).

The survey contract (long format) is described in :mod:`crmlab.satisfaction.survey`.
"""

from __future__ import annotations

from crmlab.satisfaction.chain import *  # noqa: F403
from crmlab.satisfaction.chain import __all__ as _chain
from crmlab.satisfaction.drivers import *  # noqa: F403
from crmlab.satisfaction.drivers import __all__ as _drivers
from crmlab.satisfaction.findings import *  # noqa: F403
from crmlab.satisfaction.findings import __all__ as _findings
from crmlab.satisfaction.gaps import *  # noqa: F403
from crmlab.satisfaction.gaps import __all__ as _gaps
from crmlab.satisfaction.ipa import *  # noqa: F403
from crmlab.satisfaction.ipa import __all__ as _ipa
from crmlab.satisfaction.pls import *  # noqa: F403
from crmlab.satisfaction.pls import __all__ as _pls
from crmlab.satisfaction.pls_quality import *  # noqa: F403
from crmlab.satisfaction.pls_quality import __all__ as _pls_quality
from crmlab.satisfaction.reliability import *  # noqa: F403
from crmlab.satisfaction.reliability import __all__ as _reliability
from crmlab.satisfaction.servperf import *  # noqa: F403
from crmlab.satisfaction.servperf import __all__ as _servperf
from crmlab.satisfaction.survey import *  # noqa: F403
from crmlab.satisfaction.survey import __all__ as _survey

__all__ = [
    *_chain,
    *_drivers,
    *_findings,
    *_gaps,
    *_ipa,
    *_pls,
    *_pls_quality,
    *_reliability,
    *_servperf,
    *_survey,
]
