"""The value-satisfaction-loyalty chain of the ECSI model, and perceived value's total effect.

In the European Customer Satisfaction Index model (Tenenhaus, Esposito Vinzi, Chatelin & Lauro
2005, CSDA 48, fig. 2; Fornell et al. 1996 for the ACSI) perceived value is driven by
expectations and perceived quality and drives satisfaction, which drives loyalty. The total
effect of value on loyalty sums the effects along all paths, ``T = (I - B)^{-1} - I`` for the
matrix ``B`` of direct path coefficients (Bollen 1987, Sociological Methodology 17, 37-69).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from crmlab import io as cio
from crmlab.checks import check_alpha
from crmlab.errors import ParameterError
from crmlab.satisfaction.pls import PLSPathModel

__all__ = ["value_chain"]


def value_chain(
    data: pd.DataFrame,
    inner: Mapping[str, Sequence[str]] | None = None,
    outer: Mapping[str, Sequence[str]] | None = None,
    value: str | None = None,
    outcome: str | None = None,
    n_bootstrap: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
    label: str = "your",
) -> pd.DataFrame:
    """Drivers and consequences of perceived value in a PLS path model, and value's total effect.

    The total effect of ``value`` on ``outcome`` sums the effects along all paths, e.g.
    ``VAL -> SAT -> LOY`` (plus ``VAL -> SAT -> COMP -> LOY`` in the mobi model).

    Parameters
    ----------
    data : DataFrame
        One row per respondent, one column per indicator, e.g.
        :func:`crmlab.datasets.load_satisfaction` (bank customers) or
        :func:`crmlab.datasets.load_mobi` (mobile-phone customers).
    inner, outer : mapping
        Inner model (construct -> predecessors) and outer model (construct -> indicator
        columns), e.g. ``**crmlab.satisfaction.ECSI_SATISFACTION_MODEL``.
    value, outcome : str, optional
        The perceived-value construct and the final outcome; default the constructs named like
        ``VAL``/``value`` and ``LOY``/``loyalty``.
    n_bootstrap, seed, alpha :
        Bootstrap resamples of respondents (each refits the model with
        :meth:`PLSPathModel.bootstrap`; 0: no intervals), seed, interval level ``1 - alpha``.
    label : str
        Who answered the survey, for the findings ("bank customer" -> "the bank customer
        survey").

    Returns
    -------
    DataFrame
        One row per direct path into or out of ``value`` and a last row with the total effect
        of ``value`` on ``outcome``. Columns ``from``, ``to``, ``role`` (``driver`` of value,
        ``consequence`` of value, ``total effect``), ``effect`` (``direct`` or ``total``),
        ``estimate`` (standardised coefficient), ``lower``, ``upper`` (percentile bootstrap).
        ``attrs``: ``method`` (``"pls"``), ``survey`` (``label``), ``value``, ``outcome``,
        ``r_squared`` (dict construct -> R^2), ``n_respondents``, ``n_bootstrap`` (resamples
        used), ``paths`` (every direct path, same columns).

    Examples
    --------
    >>> from crmlab.datasets import load_satisfaction
    >>> from crmlab.satisfaction import ECSI_SATISFACTION_MODEL, value_chain
    >>> chain = value_chain(load_satisfaction(), **ECSI_SATISFACTION_MODEL, n_bootstrap=0)
    >>> chain.iloc[-1]["role"]
    'total effect'
    """
    if int(n_bootstrap) != n_bootstrap or n_bootstrap < 0 or n_bootstrap == 1:
        raise ParameterError(
            f"n_bootstrap must be 0 (no intervals) or a whole number >= 2; got {n_bootstrap!r}.",
            parameter="n_bootstrap",
        )
    n_bootstrap = int(n_bootstrap)
    alpha = check_alpha(alpha)
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(
            "data must be a survey DataFrame (one row per respondent; load the bundled ones with "
            f"crmlab.datasets.load_satisfaction or load_mobi); got {type(data).__name__}.",
            parameter="data",
        )
    if inner is None or outer is None:
        raise ParameterError(
            "Give inner= (construct -> predecessors) and outer= (construct -> indicator "
            "columns), e.g. **crmlab.satisfaction.ECSI_SATISFACTION_MODEL.",
            parameter="inner",
        )
    inner = {str(k): [str(p) for p in v] for k, v in inner.items()}
    outer = {str(k): [str(c) for c in v] for k, v in outer.items()}
    needed = list(dict.fromkeys(c for cols in outer.values() for c in cols))
    cio.require_columns(data, needed, what="survey")
    numbers = pd.DataFrame({c: cio.check_numeric(data, c) for c in needed}, index=data.index)
    constructs = list(outer)
    value = _construct(constructs, value, ("val", "perv"), "value")
    outcome = _construct(constructs, outcome, ("loy", "cusl"), "outcome")
    keys = [(src, dst) for dst, preds in inner.items() for src in preds]
    model = PLSPathModel(inner, outer).fit(numbers)
    point = np.array([model.path_coefficients_.loc[s, d] for s, d in keys], dtype=float)
    r2 = {str(k): float(v) for k, v in model.r_squared_.items()}
    draws = None
    if n_bootstrap:
        path_draws = model.bootstrap(n=n_bootstrap, seed=seed).attrs["path_draws"]
        if len(path_draws):
            draws = path_draws.loc[:, pd.MultiIndex.from_tuples(keys)].to_numpy(dtype=float)
    out = _chain_table(keys, point, draws, constructs, value, outcome, alpha)
    out.attrs.update(
        method="pls",
        survey=label,
        value=value,
        outcome=outcome,
        r_squared=r2,
        n_respondents=len(numbers),
        n_bootstrap=0 if draws is None else len(draws),
    )
    return out


def _construct(constructs: list[str], name: str | None, stems: tuple[str, ...], what: str) -> str:
    if name is not None:
        if name not in constructs:
            raise ParameterError(
                f"{what}={name!r} is not a construct of the model ({', '.join(constructs)}).",
                parameter=what,
            )
        return name
    found = [c for c in constructs if c.lower().startswith(stems)]
    if len(found) != 1:
        raise ParameterError(
            f"Cannot tell which construct is the {what} ({', '.join(constructs)}); pass {what}=.",
            parameter=what,
        )
    return found[0]


def _total_effects(keys: list[tuple[str, str]], coefs: np.ndarray, names: list[str]) -> np.ndarray:
    """Total effects (I - B)^-1 - I for path coefficients ``coefs`` (draws, paths) (Bollen 1987)."""
    index = {c: i for i, c in enumerate(names)}
    k = len(names)
    b = np.zeros((len(coefs), k, k))
    for j, (src, dst) in enumerate(keys):
        b[:, index[src], index[dst]] = coefs[:, j]
    return np.linalg.inv(np.eye(k) - b) - np.eye(k)


def _chain_table(
    keys: list[tuple[str, str]],
    point: np.ndarray,
    draws: np.ndarray | None,
    constructs: list[str],
    value: str,
    outcome: str,
    alpha: float,
) -> pd.DataFrame:
    names = list(dict.fromkeys([*constructs, *[c for k in keys for c in k]]))
    v, o = names.index(value), names.index(outcome)
    total = _total_effects(keys, point[None], names)[0, v, o]
    if draws is not None:
        lo, hi = np.nanquantile(draws, [alpha / 2, 1 - alpha / 2], axis=0)
        t_draws = _total_effects(keys, draws, names)[:, v, o]
        t_lo, t_hi = np.nanquantile(t_draws, [alpha / 2, 1 - alpha / 2])
    else:
        lo = hi = np.full(len(point), np.nan)
        t_lo = t_hi = np.nan
    paths = pd.DataFrame(
        {
            "from": [k[0] for k in keys],
            "to": [k[1] for k in keys],
            "estimate": point,
            "lower": lo,
            "upper": hi,
        }
    )
    mine = paths[(paths["from"] == value) | (paths["to"] == value)].copy()
    mine.insert(2, "role", np.where(mine["to"] == value, "driver", "consequence"))
    mine.insert(3, "effect", "direct")
    last = pd.DataFrame(
        [
            {
                "from": value,
                "to": outcome,
                "role": "total effect",
                "effect": "total",
                "estimate": total,
                "lower": t_lo,
                "upper": t_hi,
            }
        ]
    )
    out = pd.concat([mine, last], ignore_index=True)
    out.attrs["paths"] = paths
    return out
