"""Quality of a PLS path model: effects, cross-loadings, discriminant validity and GoF.

These functions take the plain results of a fitted :class:`crmlab.satisfaction.PLSPathModel`
(path matrix, scores, loadings, indicator data); the model's methods ``effects()``,
``htmt()``, ``fornell_larcker()`` and attributes ``cross_loadings_`` and ``gof_`` call them.

Formulas
--------
- **Effects** (Bollen, 1987; plspm's ``get_effects``): with :math:`B` the matrix of direct paths
  (rows from, columns to) of a recursive model, the total effects are
  :math:`T = \\sum_{k \\ge 1} B^k = (I - B)^{-1} - I` and the indirect effects :math:`T - B`.
- **Cross-loadings**: the correlation of every indicator with every construct score; each
  indicator should load highest on its own construct (Chin, 1998).
- **HTMT** (Henseler, Ringle and Sarstedt, 2015, eq. 6): for constructs :math:`i` (indicators
  :math:`g = 1..K_i`) and :math:`j` (:math:`h = 1..K_j`),

  .. math::

      HTMT_{ij} = \\frac{\\frac{1}{K_i K_j}\\sum_g\\sum_h r_{ig,jh}}
      {\\sqrt{\\frac{2}{K_i(K_i-1)}\\sum_{g<g'} r_{ig,ig'}\\;
      \\frac{2}{K_j(K_j-1)}\\sum_{h<h'} r_{jh,jh'}}}

  (mean heterotrait-heteromethod correlation over the geometric mean of the monotrait-
  heteromethod correlations); a single-indicator block has monotrait mean 1, as in seminr.
  Values above 0.85 (conservative) or 0.90 suggest a lack of discriminant validity.
- **Fornell-Larcker** (Fornell and Larcker, 1981): :math:`\\sqrt{AVE}` of each construct on the
  diagonal should exceed its correlations with the other constructs (lower triangle).
- **GoF** (Tenenhaus, Amato and Esposito Vinzi, 2004; plspm's ``get_gof``):
  :math:`GoF = \\sqrt{\\overline{\\text{communality}} \\times \\overline{R^2}}`, the mean
  communality over the indicators of blocks with more than one indicator and the mean
  :math:`R^2` over the endogenous constructs. Henseler and Sarstedt (2013) show it cannot tell
  a valid model from an invalid one: report it as a description, not a fit test.

References
----------
Bollen, K. A. (1987). Total, direct, and indirect effects in structural equation models.
Sociological Methodology 17, 37-69.
Chin, W. W. (1998). The partial least squares approach to structural equation modeling. In
Modern Methods for Business Research, 295-336.
Fornell, C. and Larcker, D. F. (1981). Evaluating structural equation models with unobservable
variables and measurement error. Journal of Marketing Research 18(1), 39-50.
Henseler, J., Ringle, C. M. and Sarstedt, M. (2015). A new criterion for assessing discriminant
validity in variance-based structural equation modeling. Journal of the Academy of Marketing
Science 43(1), 115-135.
Henseler, J. and Sarstedt, M. (2013). Goodness-of-fit indices for partial least squares path
modeling. Computational Statistics 28, 565-580.
Tenenhaus, M., Amato, S. and Esposito Vinzi, V. (2004). A global goodness-of-fit index for PLS
structural equation modelling. Proceedings of the XLII SIS Scientific Meeting, 739-742.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from crmlab.checks import check_alpha
from crmlab.errors import DataError, ParameterError

__all__ = [
    "cross_loadings",
    "discriminant_validity",
    "effects_table",
    "fornell_larcker",
    "goodness_of_fit",
    "htmt",
]


def _total(b: np.ndarray) -> np.ndarray:
    return np.linalg.inv(np.eye(len(b)) - b) - np.eye(len(b))


def effects_table(
    paths: pd.DataFrame, draws: pd.DataFrame | None = None, alpha: float = 0.05
) -> pd.DataFrame:
    """Direct, indirect and total effects of every construct on every construct it reaches.

    Parameters
    ----------
    paths : DataFrame
        Square matrix of direct path coefficients, rows = from, columns = to
        (``PLSPathModel.path_coefficients_``).
    draws : DataFrame, optional
        Bootstrap draws of the paths (``bootstrap(...).attrs["path_draws"]``: columns a
        MultiIndex (from, to)); adds percentile intervals of the indirect and total effects.
    alpha : float
        Intervals cover ``1 - alpha``.

    Returns
    -------
    DataFrame
        One row per ordered pair (from, to) with a directed path from ``from`` to ``to``, in the
        constructs' order: from, to, direct, indirect, total (total = direct + indirect); with
        ``draws`` also indirect_lower, indirect_upper, total_lower, total_upper.
    """
    alpha = check_alpha(alpha)
    names = list(paths.index)
    b = paths.reindex(index=names, columns=names).to_numpy(dtype=float)
    total = _total(b)
    reach = _total((b != 0).astype(float)) > 0
    pairs = [(i, j) for i in range(len(names)) for j in range(len(names)) if reach[i, j]]
    out = pd.DataFrame(
        {
            "from": [names[i] for i, _ in pairs],
            "to": [names[j] for _, j in pairs],
            "direct": [b[i, j] for i, j in pairs],
            "indirect": [total[i, j] - b[i, j] for i, j in pairs],
            "total": [total[i, j] for i, j in pairs],
        }
    )
    if draws is not None and len(draws):
        pos = {c: k for k, c in enumerate(names)}
        tot = np.empty((len(draws), len(pairs)))
        ind = np.empty_like(tot)
        keys = [(pos[f], pos[t]) for f, t in draws.columns]
        values = draws.to_numpy(dtype=float)
        for r in range(len(draws)):
            br = np.zeros_like(b)
            for (i, j), v in zip(keys, values[r], strict=True):
                br[i, j] = v
            tr = _total(br)
            tot[r] = [tr[i, j] for i, j in pairs]
            ind[r] = [tr[i, j] - br[i, j] for i, j in pairs]
        a = alpha / 2
        out["indirect_lower"] = np.quantile(ind, a, axis=0)
        out["indirect_upper"] = np.quantile(ind, 1 - a, axis=0)
        out["total_lower"] = np.quantile(tot, a, axis=0)
        out["total_upper"] = np.quantile(tot, 1 - a, axis=0)
    return out


def cross_loadings(
    indicators: pd.DataFrame, scores: pd.DataFrame, outer: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """Correlation of every indicator with every construct score.

    Returns
    -------
    DataFrame
        Index indicator; column ``construct`` (the indicator's own block), then one column per
        construct. The own-block column holds the indicator's loading.
    """
    rows = [(c, ind) for c, cols in outer.items() for ind in cols]
    x = indicators[[ind for _, ind in rows]].to_numpy(dtype=float)
    s = scores.to_numpy(dtype=float)
    xz = (x - x.mean(axis=0)) / x.std(axis=0)
    sz = (s - s.mean(axis=0)) / s.std(axis=0)
    cor = xz.T @ sz / len(x)
    out = pd.DataFrame(cor, index=pd.Index([i for _, i in rows], name="indicator"),
                       columns=list(scores.columns))  # fmt: skip
    out.insert(0, "construct", [c for c, _ in rows])
    return out


def htmt(
    data: pd.DataFrame, outer: Mapping[str, Sequence[str]], absolute: bool = False
) -> pd.DataFrame:
    """Heterotrait-monotrait ratio of correlations (Henseler, Ringle and Sarstedt, 2015).

    Parameters
    ----------
    data : DataFrame
        Indicator data (one row per respondent); or a square correlation matrix of the
        indicators (index equal to columns), used as given.
    outer : mapping
        Construct -> indicator columns.
    absolute : bool
        Use absolute correlations (as seminr does, so a reverse-coded indicator does not lower
        the ratio); the paper's formula, default, uses them as they are.

    Returns
    -------
    DataFrame
        Square, constructs x constructs, symmetric, NaN on the diagonal.
    """
    if not isinstance(outer, Mapping) or not outer:
        raise ParameterError("outer must map constructs to indicator columns.", parameter="outer")
    columns = [c for cols in outer.values() for c in cols]
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise DataError(f"Indicator columns missing from the data: {missing[:5]}.",
                        column=missing[0])  # fmt: skip
    square = data.shape[0] == data.shape[1] and list(data.index) == list(data.columns)
    if square:
        r = data.loc[columns, columns].to_numpy(dtype=float)
    else:
        r = np.corrcoef(data[columns].to_numpy(dtype=float), rowvar=False)
    if absolute:
        r = np.abs(r)
    pos = {c: k for k, c in enumerate(columns)}
    blocks = {name: [pos[c] for c in cols] for name, cols in outer.items()}
    mono = {}
    for name, idx in blocks.items():
        sub = r[np.ix_(idx, idx)]
        k = len(idx)
        mono[name] = 1.0 if k == 1 else sub[np.triu_indices(k, 1)].mean()
    names = list(outer)
    out = np.full((len(names), len(names)), np.nan)
    for a, na in enumerate(names):
        for b in range(a + 1, len(names)):
            hetero = r[np.ix_(blocks[na], blocks[names[b]])].mean()
            with np.errstate(invalid="ignore"):
                out[a, b] = out[b, a] = hetero / np.sqrt(mono[na] * mono[names[b]])
    return pd.DataFrame(out, index=pd.Index(names, name="construct"), columns=names)


def fornell_larcker(scores: pd.DataFrame, ave: pd.Series) -> pd.DataFrame:
    """Fornell-Larcker table: sqrt(AVE) on the diagonal, construct correlations below it.

    Returns
    -------
    DataFrame
        Square, constructs x constructs; NaN above the diagonal (as seminr's ``fl_criteria``).
    """
    cor = np.corrcoef(scores.to_numpy(dtype=float), rowvar=False)
    cor[np.triu_indices(len(cor), 1)] = np.nan
    np.fill_diagonal(cor, np.sqrt(ave.reindex(scores.columns).to_numpy(dtype=float)))
    names = list(scores.columns)
    return pd.DataFrame(cor, index=pd.Index(names, name="construct"), columns=names)


def discriminant_validity(
    htmt_matrix: pd.DataFrame,
    scores: pd.DataFrame,
    ave: pd.Series,
    threshold: float = 0.85,
) -> pd.DataFrame:
    """Both criteria pair by pair.

    Returns
    -------
    DataFrame
        One row per pair of constructs (a, b): construct_a, construct_b, htmt, correlation
        (of the scores), sqrt_ave_a, sqrt_ave_b, htmt_ok (HTMT below ``threshold``), fl_ok
        (both square roots of AVE above the absolute correlation). ``attrs["threshold"]``.
    """
    names = list(htmt_matrix.index)
    cor = scores[names].corr().to_numpy()
    root = np.sqrt(ave.reindex(names).to_numpy(dtype=float))
    rows = []
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            h = float(htmt_matrix.iloc[a, b])
            rows.append(
                {
                    "construct_a": names[a],
                    "construct_b": names[b],
                    "htmt": h,
                    "correlation": cor[a, b],
                    "sqrt_ave_a": root[a],
                    "sqrt_ave_b": root[b],
                    "htmt_ok": bool(h < threshold),
                    "fl_ok": bool(min(root[a], root[b]) > abs(cor[a, b])),
                }
            )
    out = pd.DataFrame(rows)
    out.attrs["threshold"] = threshold
    return out


def goodness_of_fit(communality: pd.Series, block_of: Sequence[str], r_squared: pd.Series) -> float:
    """Tenenhaus et al. (2004) GoF as plspm computes it.

    Parameters
    ----------
    communality : Series
        Communality (squared loading) per indicator.
    block_of : sequence of str
        The construct of each indicator (same order).
    r_squared : Series
        :math:`R^2` of the endogenous constructs.

    Returns
    -------
    float
        NaN when every block has a single indicator.
    """
    blocks = pd.Series(list(block_of), index=communality.index)
    sizes = blocks.value_counts()
    multi = blocks.map(sizes) > 1
    if not multi.any() or not len(r_squared):
        return float("nan")
    return float(np.sqrt(communality[multi].mean() * r_squared.mean()))
