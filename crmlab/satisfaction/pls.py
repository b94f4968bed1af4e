"""PLS path modelling (Wold's PLS-PM) for customer-satisfaction index models (ECSI, ACSI).

The estimator follows Lohmöller's (1989) iterative algorithm as implemented in R's ``plspm``
(Sanchez, 2013), with plspm's defaults: reflective (mode A) blocks, centroid inner scheme,
standardised indicators, tolerance ``1e-6`` on the squared change of the outer weights.

Algorithm (Tenenhaus, Esposito Vinzi, Chatelin and Lauro, 2005, sections 2.2-2.4)
-----------------------------------------------------------------------------------
With indicators :math:`x_{jh}` of block :math:`j` standardised (``scaled=True``, population standard
deviation as plspm) or only centred (``scaled=False``):

1. Outer estimate :math:`y_j = X_j w_j`, rescaled to unit (population) variance.
2. Inner weights :math:`e_{jk}` for adjacent constructs: centroid
   :math:`\\operatorname{sign}\\,\\mathrm{cor}(y_j, y_k)`, factorial
   :math:`\\mathrm{cor}(y_j, y_k)`,
   or path weighting (regression coefficients on predecessors, correlations with successors).
   Inner estimate :math:`z_j = \\sum_k e_{jk} y_k`.
3. Mode A: :math:`w_{jh} = \\mathrm{cov}(x_{jh}, z_j)`; mode B: :math:`w_j = (X_j'X_j)^{-1}X_j'z_j`.
4. Repeat until :math:`\\sum (|w^{old}| - |w^{new}|)^2 < tol`.

Then the scores :math:`\\hat\\xi_j = X_j w_j` (unit variance), loadings
:math:`\\lambda_{jh} = \\mathrm{cor}(x_{jh}, \\hat\\xi_j)`, path coefficients by OLS of each
endogenous score on its predecessors, :math:`R^2`, average variance extracted
:math:`AVE_j = \\bar{\\lambda^2_{jh}}` (Fornell and Larcker, 1981) and Dillon-Goldstein's rho
:math:`\\rho_j = (\\sum_h \\lambda_{jh})^2 /
((\\sum_h \\lambda_{jh})^2 + \\sum_h (1-\\lambda_{jh}^2))`
(Tenenhaus et al., 2005, eq. 6, computed with the PLS loadings as seminr's ``rhoC``).

The stable API other modules rely on: ``PLSPathModel(inner, outer, ...)`` with ``inner`` a
mapping construct -> predecessors and ``outer`` a mapping construct -> indicator columns;
``fit(data)`` returns self; fitted attributes end in ``_``; ``ECSI_SATISFACTION_MODEL`` and
``ECSI_MOBI_MODEL`` are mappings with keys ``inner`` and ``outer`` to unpack:
``PLSPathModel(**ECSI_SATISFACTION_MODEL)``.

References
----------
Lohmöller, J.-B. (1989). Latent Variable Path Modeling with Partial Least Squares. Physica.
Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M. and Lauro, C. (2005). PLS path modeling.
Computational Statistics & Data Analysis 48, 159-205.
Sanchez, G. (2013). PLS Path Modeling with R. Trowchez Editions (R package plspm).
Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J. and Bryant, B. E. (1996). The American
Customer Satisfaction Index. Journal of Marketing 60(4), 7-18.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from crmlab._deprecation import resolve_alpha
from crmlab.checks import check_alpha
from crmlab.errors import ConvergenceError, DataError, NotFittedError, ParameterError
from crmlab.io import row_error
from crmlab.satisfaction import pls_quality

__all__ = ["ECSI_MOBI_MODEL", "ECSI_SATISFACTION_MODEL", "PLSPathModel", "index_by_segment"]


def _frozen(inner: dict, outer: dict) -> Mapping[str, Any]:
    return MappingProxyType(
        {
            "inner": MappingProxyType({k: tuple(v) for k, v in inner.items()}),
            "outer": MappingProxyType({k: tuple(v) for k, v in outer.items()}),
        }
    )


#: ECSI model of the bank survey :func:`crmlab.datasets.load_satisfaction` (Sanchez, 2013,
#: ch. 2; plspm's ``satisfaction`` example): image, expectations, perceived quality, perceived
#: value, satisfaction and loyalty. Use as ``PLSPathModel(**ECSI_SATISFACTION_MODEL)``.
ECSI_SATISFACTION_MODEL: Mapping[str, Any] = _frozen(
    inner={
        "IMAG": [],
        "EXPE": ["IMAG"],
        "QUAL": ["EXPE"],
        "VAL": ["EXPE", "QUAL"],
        "SAT": ["IMAG", "EXPE", "QUAL", "VAL"],
        "LOY": ["IMAG", "SAT"],
    },
    outer={
        "IMAG": [f"imag{i}" for i in range(1, 6)],
        "EXPE": [f"expe{i}" for i in range(1, 6)],
        "QUAL": [f"qual{i}" for i in range(1, 6)],
        "VAL": [f"val{i}" for i in range(1, 5)],
        "SAT": [f"sat{i}" for i in range(1, 5)],
        "LOY": [f"loy{i}" for i in range(1, 5)],
    },
)

#: The ECSI model with complaints of Tenenhaus et al. (2005, fig. 2) for the mobile-phone survey
#: :func:`crmlab.datasets.load_mobi`. Use as ``PLSPathModel(**ECSI_MOBI_MODEL)``.
ECSI_MOBI_MODEL: Mapping[str, Any] = _frozen(
    inner={
        "IMAG": [],
        "EXPE": ["IMAG"],
        "QUAL": ["EXPE"],
        "VAL": ["EXPE", "QUAL"],
        "SAT": ["IMAG", "EXPE", "QUAL", "VAL"],
        "COMP": ["SAT"],
        "LOY": ["IMAG", "SAT", "COMP"],
    },
    outer={
        "IMAG": [f"IMAG{i}" for i in range(1, 6)],
        "EXPE": [f"CUEX{i}" for i in range(1, 4)],
        "QUAL": [f"PERQ{i}" for i in range(1, 8)],
        "VAL": ["PERV1", "PERV2"],
        "SAT": [f"CUSA{i}" for i in range(1, 4)],
        "COMP": ["CUSCO"],
        "LOY": [f"CUSL{i}" for i in range(1, 4)],
    },
)

_SCHEMES = ("centroid", "factorial", "path")


class PLSPathModel:
    """Partial least squares path model (PLS-PM) of latent constructs measured by indicators.

    Parameters
    ----------
    inner : mapping of str to sequence of str
        Structural model: each construct -> its predecessors (constructs with an arrow into it).
        Exogenous constructs may be left out or map to ``[]``. The graph must be acyclic.
    outer : mapping of str to sequence of str
        Measurement model: each construct -> its indicator columns. Its key order is the
        constructs' order in every result.
    scheme : {"centroid", "factorial", "path"}
        Inner weighting scheme (plspm default "centroid"; seminr and SmartPLS use "path").
    scaled : bool
        Standardise the indicators (True, plspm's default) or only centre them (False, as in
        plspm's ``satisfaction`` example with ``scaled = FALSE``).
    max_iter : int
        Maximum iterations; a ConvergenceError is raised when reached.
    tol : float
        Convergence tolerance on :math:`\\sum(|w^{old}|-|w^{new}|)^2` (plspm's criterion).
    modes : mapping of str to {"A", "B"}, optional
        Outer mode per construct; default "A" (reflective) for all, as plspm.

    Attributes (after ``fit``)
    --------------------------
    outer_weights_ : Series
        Weights (index: indicator) giving unit-variance scores from the standardised
        (``scaled=True``) or centred raw (``scaled=False``) indicators, as plspm's ``weight``.
    outer_loadings_ : Series
        Correlation of each indicator with its construct's score (plspm's ``loading``).
    outer_model_ : DataFrame
        Per indicator: construct, weight, loading, communality (loading squared).
    path_coefficients_ : DataFrame
        Square matrix, rows = from (predecessor), columns = to (endogenous); zeros where no path.
    paths_ : DataFrame
        Tidy paths: from, to, estimate, std_error, statistic (t), p_value (OLS on the scores, as plspm's
        ``inner_model``; the p-values ignore that scores are estimated: prefer ``bootstrap``).
    r_squared_ : Series
        :math:`R^2` per endogenous construct.
    ave_, composite_reliability_ : Series
        Average variance extracted and Dillon-Goldstein's rho per construct.
    scores_ : DataFrame
        Standardised construct scores (mean 0, population variance 1), index of the data.
    n_iter_ : int
        Iterations used.
    cross_loadings_ : DataFrame
        Correlation of every indicator with every construct score (index indicator; column
        ``construct`` = own block, then one column per construct), plspm's ``crossloadings``.
    gof_ : float
        Goodness-of-fit index of Tenenhaus et al. (2004) as plspm computes it (a description of
        explained variance, not a test of fit: Henseler and Sarstedt, 2013).

    Notes
    -----
    ``scaled=False`` (with the default centroid scheme) reproduces the published run of Sanchez
    (2013) and R plspm's ``satisfaction`` example (``plspm(..., scaled = FALSE)``): VAL -> SAT
    0.589, SAT -> LOY 0.495, GoF 0.610. The default ``scaled=True`` is plspm's default.

    Examples
    --------
    >>> from crmlab.datasets import load_satisfaction
    >>> from crmlab.satisfaction import ECSI_SATISFACTION_MODEL, PLSPathModel
    >>> model = PLSPathModel(**ECSI_SATISFACTION_MODEL, scaled=False).fit(load_satisfaction())
    >>> round(float(model.path_coefficients_.loc["VAL", "SAT"]), 3)
    0.589
    """

    def __init__(
        self,
        inner: Mapping[str, Sequence[str]],
        outer: Mapping[str, Sequence[str]],
        scheme: str = "centroid",
        scaled: bool = True,
        max_iter: int = 300,
        tol: float = 1e-6,
        modes: Mapping[str, str] | None = None,
    ) -> None:
        self.inner = inner
        self.outer = outer
        self.modes = modes
        self.scheme = scheme
        self.scaled = scaled
        self.max_iter = max_iter
        self.tol = tol

    # -- specification -----------------------------------------------------------------------
    def _spec(self) -> tuple[list[str], np.ndarray, list[list[str]], list[str]]:
        if not isinstance(self.outer, Mapping) or not self.outer:
            raise ParameterError(
                "outer must be a non-empty mapping construct -> indicator columns, e.g. "
                "{'SAT': ['sat1', 'sat2']}.",
                parameter="outer",
            )
        if not isinstance(self.inner, Mapping):
            raise ParameterError(
                "inner must be a mapping construct -> list of predecessor constructs.",
                parameter="inner",
            )
        constructs = [str(c) for c in self.outer]
        unknown = [c for c in self.inner if c not in self.outer]
        for target, preds in self.inner.items():
            if isinstance(preds, str):
                raise ParameterError(
                    f"inner[{target!r}] must be a list of constructs, not the string {preds!r}.",
                    parameter="inner",
                )
            unknown += [p for p in preds if p not in self.outer]
        if unknown:
            raise ParameterError(
                f"inner names constructs without indicators in outer: {sorted(set(unknown))}. "
                f"Add them to outer (constructs known: {constructs}).",
                parameter="inner",
            )
        k = len(constructs)
        pos = {c: i for i, c in enumerate(constructs)}
        adj = np.zeros((k, k))  # adj[from, to]
        for target, preds in self.inner.items():
            for p in preds:
                if p == target:
                    raise ParameterError(
                        f"Construct {target!r} predicts itself.", parameter="inner"
                    )
                adj[pos[p], pos[target]] = 1.0
        # acyclic check (Kahn)
        indeg = adj.sum(axis=0).copy()
        queue = [i for i in range(k) if indeg[i] == 0]
        seen = 0
        while queue:
            i = queue.pop()
            seen += 1
            for j in np.flatnonzero(adj[i]):
                indeg[j] -= 1
                if indeg[j] == 0:
                    queue.append(j)
        if seen < k:
            raise ParameterError(
                "inner has a cycle; a PLS path model needs a recursive (acyclic) structure.",
                parameter="inner",
            )
        if not adj.any():
            raise ParameterError("inner has no paths; add at least one.", parameter="inner")
        blocks = []
        for c in constructs:
            cols = self.outer[c]
            if isinstance(cols, str) or len(cols) == 0:
                raise ParameterError(
                    f"outer[{c!r}] must be a non-empty list of columns.", parameter="outer"
                )
            blocks.append([str(x) for x in cols])
        modes = dict(self.modes or {})
        bad = {c: m for c, m in modes.items() if c not in pos or m not in ("A", "B")}
        if bad:
            raise ParameterError(
                f"modes must map known constructs to 'A' or 'B'; got {bad}.", parameter="modes"
            )
        if self.scheme not in _SCHEMES:
            raise ParameterError(
                f"scheme must be one of {_SCHEMES}, got {self.scheme!r}.", parameter="scheme"
            )
        return constructs, adj, blocks, [modes.get(c, "A") for c in constructs]

    def _matrix(self, data: pd.DataFrame, blocks: list[list[str]]) -> np.ndarray:
        if not isinstance(data, pd.DataFrame):
            raise DataError("data must be a DataFrame with one column per indicator.")
        columns = [c for b in blocks for c in b]
        missing = [c for c in columns if c not in data.columns]
        if missing:
            raise DataError(
                f"Indicator columns missing from the data: {missing[:5]}"
                f"{' ...' if len(missing) > 5 else ''}. Columns found: {list(data.columns)[:30]}. "
                "Rename the columns or change outer.",
                column=missing[0],
            )
        for c in columns:
            col = data[c]
            if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
                raise DataError(
                    f"Indicator column {c!r} is not numeric (dtype {col.dtype}); "
                    "recode it to numbers.",
                    column=c,
                )
            if col.isna().any():
                raise row_error(
                    data,
                    col.isna(),
                    c,
                    "missing answers",
                    "PLS-PM needs complete indicators: drop or impute these rows first.",
                )
        x = data[columns].to_numpy(dtype="float64")
        if len(x) < 3:
            raise DataError(f"PLS-PM needs at least 3 rows; the data has {len(x)}.")
        sd = x.std(axis=0)
        if np.any(sd == 0):
            bad = [c for c, s in zip(columns, sd, strict=True) if s == 0]
            raise DataError(
                f"Indicator column {bad[0]!r} is constant; remove it from outer.", column=bad[0]
            )
        return x

    # -- estimation --------------------------------------------------------------------------
    @staticmethod
    def _standardise(y: np.ndarray) -> np.ndarray:
        y = y - y.mean(axis=0)
        return y / y.std(axis=0)

    def _estimate(
        self, x: np.ndarray, adj: np.ndarray, block_idx: list[np.ndarray], modes: list[str]
    ) -> dict[str, Any]:
        n, p = x.shape
        k = len(block_idx)
        mean = x.mean(axis=0)
        sd = x.std(axis=0)  # population sd, as plspm
        xs = (x - mean) / sd if self.scaled else x - mean
        odm = np.zeros((p, k))
        for j, idx in enumerate(block_idx):
            odm[idx, j] = 1.0
        w = odm / (xs @ odm).std(axis=0)
        link = adj + adj.T
        w_old = w.sum(axis=1)
        n_iter = 0
        for _ in range(self.max_iter):
            n_iter += 1
            y = self._standardise(xs @ w)
            if self.scheme == "path":
                e = np.zeros((k, k))
                for j in range(k):
                    pred = np.flatnonzero(adj[:, j])
                    if pred.size:
                        coef, *_ = np.linalg.lstsq(y[:, pred], y[:, j], rcond=None)
                        e[pred, j] = coef
                    succ = np.flatnonzero(adj[j, :])
                    if succ.size:
                        e[succ, j] = (y[:, succ] * y[:, [j]]).mean(axis=0)
            else:
                cor = (y.T @ y) / n
                e = np.sign(cor) * link if self.scheme == "centroid" else cor * link
            z = y @ e
            w = np.zeros((p, k))
            for j, idx in enumerate(block_idx):
                if modes[j] == "A":
                    w[idx, j] = xs[:, idx].T @ z[:, j] / n
                else:
                    w[idx, j], *_ = np.linalg.lstsq(xs[:, idx], z[:, j], rcond=None)
            w_new = w.sum(axis=1)
            if np.sum((np.abs(w_old) - np.abs(w_new)) ** 2) < self.tol:
                break
            w_old = w_new
        else:
            raise ConvergenceError(
                f"PLS-PM did not converge in {self.max_iter} iterations; raise max_iter, try "
                "scheme='path' or check blocks with near-zero correlations."
            )
        w = w / (xs @ w).std(axis=0)
        scores = xs @ w
        # sign convention: most loadings of a block positive
        xstd = (x - mean) / sd
        loadings_all = xstd.T @ scores / n
        for j, idx in enumerate(block_idx):
            if loadings_all[idx, j].sum() < 0:
                w[:, j] *= -1
                scores[:, j] *= -1
        loadings = np.array(
            [(xstd[:, i] * scores[:, j]).mean() for j, idx in enumerate(block_idx) for i in idx]
        )
        weights = np.array([w[i, j] for j, idx in enumerate(block_idx) for i in idx])
        paths = np.zeros((k, k))
        r2 = np.full(k, np.nan)
        for j in range(k):
            pred = np.flatnonzero(adj[:, j])
            if pred.size:
                coef, *_ = np.linalg.lstsq(scores[:, pred], scores[:, j], rcond=None)
                paths[pred, j] = coef
                resid = scores[:, j] - scores[:, pred] @ coef
                r2[j] = 1.0 - resid.var() / scores[:, j].var()
        return {
            "weights": weights,
            "loadings": loadings,
            "paths": paths,
            "r2": r2,
            "scores": scores,
            "w": w,
            "mean": mean,
            "sd": sd,
            "n_iter": n_iter,
        }

    def fit(self, data: pd.DataFrame) -> PLSPathModel:
        """Estimate the model on ``data`` (one row per respondent, one column per indicator).

        Raises
        ------
        DataError
            Indicator columns missing, not numeric, constant, or with missing values (rows shown).
        ParameterError
            Malformed ``inner``/``outer``/``modes``/``scheme``.
        ConvergenceError
            No convergence within ``max_iter``.
        """
        constructs, adj, blocks, modes = self._spec()
        x = self._matrix(data, blocks)
        columns = [c for b in blocks for c in b]
        pos = {}
        block_idx = []
        for b in blocks:
            idx = []
            for c in b:
                pos.setdefault(c, len(pos))
                idx.append(columns.index(c))
            block_idx.append(np.asarray(idx))
        res = self._estimate(x, adj, block_idx, modes)
        self._constructs = constructs
        self._adj = adj
        self._blocks = blocks
        self._block_idx = block_idx
        self._modes = modes
        self._x = x
        self._columns = columns
        self._index = data.index
        self._res = res
        names = pd.Index([c for b in blocks for c in b], name="indicator")
        block_of = [c for c, b in zip(constructs, blocks, strict=True) for _ in b]
        self.outer_weights_ = pd.Series(res["weights"], index=names, name="weight")
        self.outer_loadings_ = pd.Series(res["loadings"], index=names, name="loading")
        self.outer_model_ = pd.DataFrame(
            {
                "construct": block_of,
                "weight": res["weights"],
                "loading": res["loadings"],
                "communality": res["loadings"] ** 2,
            },
            index=names,
        )
        cindex = pd.Index(constructs, name="construct")
        self.path_coefficients_ = pd.DataFrame(
            res["paths"], index=pd.Index(constructs, name="from"), columns=constructs
        )
        self.path_coefficients_.columns.name = "to"
        self.r_squared_ = pd.Series(res["r2"], index=cindex, name="r_squared").dropna()
        lam = pd.Series(res["loadings"], index=block_of)
        self.ave_ = (lam**2).groupby(level=0, sort=False).mean().reindex(constructs)
        self.ave_.index = cindex
        self.ave_.name = "ave"
        s = lam.groupby(level=0, sort=False).sum()
        u = (1 - lam**2).groupby(level=0, sort=False).sum()
        self.composite_reliability_ = (s**2 / (s**2 + u)).reindex(constructs)
        self.composite_reliability_.index = cindex
        self.composite_reliability_.name = "dillon_goldstein_rho"
        self.scores_ = pd.DataFrame(res["scores"], index=data.index, columns=constructs)
        self.n_iter_ = res["n_iter"]
        self.paths_ = self._path_table(res["scores"])
        self.cross_loadings_ = pls_quality.cross_loadings(
            pd.DataFrame(x, columns=columns), pd.DataFrame(res["scores"], columns=constructs),
            dict(zip(constructs, blocks, strict=True)),
        )  # fmt: skip
        self.gof_ = pls_quality.goodness_of_fit(
            self.outer_model_["communality"], block_of, self.r_squared_
        )
        return self

    def _path_table(self, scores: np.ndarray) -> pd.DataFrame:
        from scipy import stats

        rows = []
        n = scores.shape[0]
        for j, to in enumerate(self._constructs):
            pred = np.flatnonzero(self._adj[:, j])
            if not pred.size:
                continue
            xp = np.column_stack([np.ones(n), scores[:, pred]])
            coef, *_ = np.linalg.lstsq(xp, scores[:, j], rcond=None)
            resid = scores[:, j] - xp @ coef
            dof = n - xp.shape[1]
            cov = resid @ resid / dof * np.linalg.inv(xp.T @ xp)
            se = np.sqrt(np.diag(cov))
            for m, i in enumerate(pred, start=1):
                t = coef[m] / se[m]
                rows.append(
                    {
                        "from": self._constructs[i],
                        "to": to,
                        "estimate": coef[m],
                        "std_error": se[m],
                        "statistic": t,
                        "p_value": 2 * stats.t.sf(abs(t), dof),
                    }
                )
        return pd.DataFrame(rows)

    def _check_fitted(self) -> None:
        if not hasattr(self, "_res"):
            raise NotFittedError("Call fit(data) before asking for results of the PLS model.")

    # -- quality of the model ------------------------------------------------------------------
    def effects(self, boot: pd.DataFrame | None = None, alpha: float = 0.05) -> pd.DataFrame:
        """Direct, indirect and total effects (see :func:`pls_quality.effects_table`).

        Parameters
        ----------
        boot : DataFrame, optional
            Output of :meth:`bootstrap`: adds percentile intervals of the indirect and total
            effects from the same resamples.
        alpha : float
            Intervals cover ``1 - alpha``.

        Returns
        -------
        DataFrame
            from, to, direct, indirect, total [, indirect_lower, indirect_upper, total_lower,
            total_upper], one row per pair with a directed path.
        """
        self._check_fitted()
        draws = None if boot is None else boot.attrs.get("path_draws")
        return pls_quality.effects_table(self.path_coefficients_, draws, alpha)

    def htmt(self, absolute: bool = False) -> pd.DataFrame:
        """Heterotrait-monotrait ratios of the fitted indicators (Henseler et al., 2015).

        See :func:`crmlab.satisfaction.pls_quality.htmt`; a square, symmetric table.
        """
        self._check_fitted()
        data = pd.DataFrame(self._x, columns=self._columns)
        return pls_quality.htmt(data, dict(zip(self._constructs, self._blocks, strict=True)),
                                absolute=absolute)  # fmt: skip

    def fornell_larcker(self) -> pd.DataFrame:
        """Fornell-Larcker table: sqrt(AVE) on the diagonal, score correlations below it."""
        self._check_fitted()
        return pls_quality.fornell_larcker(self.scores_, self.ave_)

    def discriminant_validity(self, threshold: float = 0.85) -> pd.DataFrame:
        """HTMT and Fornell-Larcker pair by pair (:func:`pls_quality.discriminant_validity`)."""
        self._check_fitted()
        return pls_quality.discriminant_validity(self.htmt(), self.scores_, self.ave_,
                                                 threshold)  # fmt: skip

    # -- indices -----------------------------------------------------------------------------
    def index_scores(self, scale: tuple[float, float] = (0, 10)) -> pd.DataFrame:
        """Construct scores on a 0-100 index scale (ECSI/ACSI practice).

        The outer weights are turned into weights of the raw indicators,
        :math:`\\tilde w_{jh} = w_{jh} / s_{jh}` when the indicators were standardised (plain
        :math:`w_{jh}` otherwise), normalised to sum to one in each block, and

        .. math:: I_{ij} = 100\\,\\frac{\\sum_h \\tilde w_{jh} x_{ijh} - x_{min}}{x_{max} - x_{min}}

        with :math:`(x_{min}, x_{max})` = ``scale`` (Fornell et al., 1996, p. 10; Tenenhaus et al.,
        2005, section 5.4). The mean of a column is the construct's index (e.g. the customer
        satisfaction index).

        Parameters
        ----------
        scale : (float, float)
            Minimum and maximum of the answer scale (0-10 for the bank survey, 1-10 for mobi).

        Returns
        -------
        DataFrame
            One row per respondent (index of the fitted data), one column per construct.
        """
        self._check_fitted()
        lo, hi = scale
        if not hi > lo:
            raise ParameterError(f"scale must be (min, max) with max > min, got {scale}.")
        res = self._res
        out = {}
        for j, (c, idx) in enumerate(zip(self._constructs, self._block_idx, strict=True)):
            w = res["w"][idx, j] / res["sd"][idx] if self.scaled else res["w"][idx, j]
            w = w / w.sum()
            out[c] = 100 * (self._x[:, idx] @ w - lo) / (hi - lo)
        return pd.DataFrame(out, index=self._index)

    # -- inference ---------------------------------------------------------------------------
    def bootstrap(
        self, n: int = 500, seed: int = 0, alpha: float = 0.05, *, level: float | None = None
    ) -> pd.DataFrame:
        """Bootstrap percentile intervals for the path coefficients and loadings.

        Rows are resampled with replacement ``n`` times and the model is re-estimated with the
        same options (Chin, 1998; Tenenhaus et al., 2005, section 3.4).

        Parameters
        ----------
        n : int
            Bootstrap resamples (at least 2).
        seed : int
            Seed of the resampling.
        alpha : float
            Significance level: the percentile intervals cover ``1 - alpha`` (default 95%).
        level : float, optional
            Deprecated: the confidence level ``1 - alpha``.

        Returns
        -------
        DataFrame
            One row per parameter: kind ("path" or "loading"), from, to (for a loading: the
            construct and the indicator), estimate (full sample), boot_mean, std_error (standard
            deviation over resamples), lower, upper (percentile interval at ``1 - alpha``),
            n_boot (resamples that converged). ``attrs["path_draws"]``: the resampled path
            coefficients jointly, one row per converged resample and one column per path
            (columns a MultiIndex ``(from, to)``), for statistics of several paths such as
            total effects.
        """
        self._check_fitted()
        alpha = resolve_alpha(alpha, level, "PLSPathModel.bootstrap")
        if n < 2:
            raise ParameterError("n must be at least 2 bootstrap resamples.", parameter="n")
        rng = np.random.default_rng(seed)
        path_mask = self._adj.astype(bool)
        draws_p, draws_l = [], []
        for _ in range(n):
            rows = rng.integers(0, len(self._x), len(self._x))
            xb = self._x[rows]
            if np.any(xb.std(axis=0) == 0):
                continue
            try:
                res = self._estimate(xb, self._adj, self._block_idx, self._modes)
            except ConvergenceError:
                continue
            draws_p.append(res["paths"][path_mask])
            draws_l.append(res["loadings"])
        dp, dl = np.array(draws_p), np.array(draws_l)
        a = alpha / 2
        fr, to = np.nonzero(path_mask)
        block_of = [c for c, b in zip(self._constructs, self._blocks, strict=True) for _ in b]
        rows_out = []
        est_p = self._res["paths"][path_mask]
        for m in range(len(fr)):
            rows_out.append(
                ("path", self._constructs[fr[m]], self._constructs[to[m]], est_p[m], dp[:, m])
            )
        for m, ind in enumerate(self._columns):
            rows_out.append(("loading", block_of[m], ind, self._res["loadings"][m], dl[:, m]))
        out = pd.DataFrame(
            [
                {
                    "kind": kind,
                    "from": f,
                    "to": t,
                    "estimate": est,
                    "boot_mean": d.mean(),
                    "std_error": d.std(ddof=1),
                    "lower": np.quantile(d, a),
                    "upper": np.quantile(d, 1 - a),
                    "n_boot": len(d),
                }
                for kind, f, t, est, d in rows_out
            ]
        )
        out.attrs["path_draws"] = pd.DataFrame(
            dp.reshape(len(draws_p), len(fr)),
            columns=pd.MultiIndex.from_arrays(
                [[self._constructs[i] for i in fr], [self._constructs[j] for j in to]],
                names=["from", "to"],
            ),
        )
        return out

    def summary(self) -> pd.DataFrame:
        """One row per construct: type, n_indicators, r_squared, ave, dillon_goldstein_rho.

        ``type`` is "exogenous" or "endogenous"; ``r_squared`` is NaN for exogenous constructs.
        """
        self._check_fitted()
        out = pd.DataFrame(
            {
                "type": [
                    "endogenous" if self._adj[:, j].any() else "exogenous"
                    for j in range(len(self._constructs))
                ],
                "n_indicators": [len(b) for b in self._blocks],
            },
            index=pd.Index(self._constructs, name="construct"),
        )
        out["r_squared"] = self.r_squared_.reindex(out.index)
        out["ave"] = self.ave_
        out["dillon_goldstein_rho"] = self.composite_reliability_
        return out


def index_by_segment(
    index_scores: pd.DataFrame, segment: pd.Series, alpha: float = 0.05
) -> pd.DataFrame:
    """Compare construct indices (0-100) between segments with Welch's t test or ANOVA.

    Parameters
    ----------
    index_scores : DataFrame
        Output of :meth:`PLSPathModel.index_scores` (respondents x constructs).
    segment : Series
        Segment of each respondent, aligned on the index of ``index_scores``.
    alpha : float
        The interval of the difference covers ``1 - alpha`` (Welch-Satterthwaite degrees of
        freedom).

    Returns
    -------
    DataFrame
        One row per construct: construct, one ``mean_<segment>`` column per segment (sorted),
        difference (second minus first segment, two segments only, else NaN), lower, upper
        (Welch interval of the difference; NaN for more than two segments), statistic (Welch's t
        for two segments, Welch, 1947; one-way ANOVA F otherwise), p_value.
        ``attrs["groups"]``: the segments in order (difference = groups[1] - groups[0]).
    """
    from scipy import stats

    alpha = check_alpha(alpha)

    seg = pd.Series(segment).reindex(index_scores.index)
    if seg.isna().all():
        raise DataError("segment shares no index labels with index_scores; align them first.")
    groups = [g for g in pd.unique(seg.dropna())]
    groups = sorted(groups, key=str)
    if len(groups) < 2:
        raise DataError("segment has fewer than two groups; nothing to compare.")
    rows = []
    for c in index_scores.columns:
        samples = [index_scores.loc[seg == g, c].to_numpy() for g in groups]
        row: dict[str, Any] = {"construct": c}
        for g, s in zip(groups, samples, strict=True):
            row[f"mean_{g}"] = s.mean()
        if len(groups) == 2:
            t = stats.ttest_ind(samples[1], samples[0], equal_var=False)
            ci = t.confidence_interval(1 - alpha)
            row["difference"] = samples[1].mean() - samples[0].mean()
            row["lower"], row["upper"] = float(ci.low), float(ci.high)
            row["statistic"], row["p_value"] = float(t.statistic), float(t.pvalue)
        else:
            f = stats.f_oneway(*samples)
            row["difference"] = row["lower"] = row["upper"] = np.nan
            row["statistic"], row["p_value"] = float(f.statistic), float(f.pvalue)
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["groups"] = [str(g) for g in groups]
    out.attrs["alpha"] = alpha
    return out
