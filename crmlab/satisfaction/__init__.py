"""Customer satisfaction: expectation/perception gaps, reliability, importance-performance
analysis, driver models and PLS satisfaction-index models (ECSI/ACSI).

The survey contract (long format) is described in :mod:`crmlab.satisfaction.survey`.

The submodules are imported on first use of one of their names (PEP 562): the driver models'
statsmodels is imported only when they are used (tests/test_lazy_imports.py checks the table below
against every submodule's ``__all__``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmlab._lazy import lazy_exports

if TYPE_CHECKING:  # the names for type checkers and the import graph; at run time: __getattr__
    from crmlab.satisfaction.chain import *  # noqa: F403
    from crmlab.satisfaction.drivers import *  # noqa: F403
    from crmlab.satisfaction.findings import *  # noqa: F403
    from crmlab.satisfaction.gaps import *  # noqa: F403
    from crmlab.satisfaction.ipa import *  # noqa: F403
    from crmlab.satisfaction.pls import *  # noqa: F403
    from crmlab.satisfaction.pls_quality import *  # noqa: F403
    from crmlab.satisfaction.reliability import *  # noqa: F403
    from crmlab.satisfaction.servperf import *  # noqa: F403
    from crmlab.satisfaction.survey import *  # noqa: F403

# ``reliability`` is both a submodule and its function: bound now, so the package attribute is the
# function (as with the former star imports) whichever import loads the submodule first.
from crmlab.satisfaction.reliability import reliability as reliability

#: Submodule -> the public names it defines (its ``__all__``).
_SUBMODULES: dict[str, list[str]] = {
    "chain": [
        "value_chain",
    ],
    "drivers": [
        "driver_model",
        "satisfaction_drivers",
    ],
    "findings": [
        "satisfaction_findings",
    ],
    "gaps": [
        "SERVQUAL_DIMENSIONS",
        "compare_gaps_to_truth",
        "dimension_gaps",
        "gap_scores",
    ],
    "ipa": [
        "QUADRANTS",
        "importance_performance",
        "ipa_actions",
    ],
    "pls": [
        "ECSI_MOBI_MODEL",
        "ECSI_SATISFACTION_MODEL",
        "PLSPathModel",
        "index_by_segment",
    ],
    "pls_quality": [
        "cross_loadings",
        "discriminant_validity",
        "effects_table",
        "fornell_larcker",
        "goodness_of_fit",
        "htmt",
    ],
    "reliability": [
        "cronbach_alpha",
        "reliability",
    ],
    "servperf": [
        "servqual_vs_servperf",
    ],
    "survey": [
        "OPTIONAL_SURVEY_COLUMNS",
        "REQUIRED_SURVEY_COLUMNS",
        "load_survey_or_example",
        "read_survey",
        "respondent_table",
        "segment_column_or_default",
        "infer_scale",
        "overall_column_or_default",
        "survey_from_wide",
        "validate_survey",
    ],
}
__all__, __getattr__, __dir__ = lazy_exports(__name__, _SUBMODULES)
