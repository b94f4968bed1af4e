"""Key findings of a satisfaction study as sentences computed from the result tables."""

from __future__ import annotations

import pandas as pd

from crmlab import text

__all__ = ["satisfaction_findings"]


def satisfaction_findings(
    gaps: pd.DataFrame | None = None,
    dimensions: pd.DataFrame | None = None,
    ipa: pd.DataFrame | None = None,
    pls: object | None = None,
    index_comparison: pd.DataFrame | None = None,
    alpha: float = 0.05,
) -> list[str]:
    """Plain-language findings from the tables of a satisfaction analysis.

    Parameters
    ----------
    gaps : DataFrame, optional
        :func:`gap_scores` output (without segment).
    dimensions : DataFrame, optional
        :func:`dimension_gaps` output (without segment).
    ipa : DataFrame, optional
        :func:`importance_performance` output.
    pls : PLSPathModel, optional
        A fitted model with a "SAT" construct (the strongest driver of satisfaction is reported).
    index_comparison : DataFrame, optional
        :func:`index_by_segment` output.
    alpha : float
        Significance level used in the wording.

    Returns
    -------
    list of str
        One plain-text sentence per finding (show them with :class:`crmlab.text.Findings`);
        each number is taken from the tables. A missing number leaves its sentence or clause
        out; no sentence holds ``nan``.
    """
    out: list[str] = []
    level = text.pct(1 - alpha)
    if gaps is not None and len(gaps):
        valid = gaps.dropna(subset=["gap"])
        neg = valid[valid["significant"].astype(bool) & (valid["gap"] < 0)]
        pos = valid[valid["significant"].astype(bool) & (valid["gap"] > 0)]
        sentence = (
            f"{text.count(len(neg))} of {text.count(len(gaps))} items fall significantly short "
            f"of expectations (adjusted p < {text.number(alpha, None)}); {text.count(len(pos))} "
            f"{'exceeds' if len(pos) == 1 else 'exceed'} them."
        )
        if len(valid):
            worst = valid.sort_values("gap").iloc[0]
            sentence += (
                f" The largest shortfall is '{worst['item']}' ({worst['dimension']}): gap "
                f"{text.number(worst['gap'], 2)} ({level} interval "
                f"{text.interval(worst['gap_lower'], worst['gap_upper'])})."
            )
        out.append(sentence)
    if dimensions is not None and len(dimensions):
        dims = dimensions[~dimensions["dimension"].astype(str).str.startswith("SERVQUAL")]
        dims = dims.dropna(subset=["gap"])
        if len(dims):
            w = dims.sort_values("gap").iloc[0]
            b = dims.sort_values("gap").iloc[-1]
            out.append(
                f"By dimension, '{w['dimension']}' has the largest gap "
                f"({text.number(w['gap'], 2)}, {level} interval "
                f"{text.interval(w['gap_lower'], w['gap_upper'])}) and '{b['dimension']}' the "
                f"most favourable ({text.number(b['gap'], 2)})."
            )
        sq = dimensions[dimensions["dimension"] == "SERVQUAL"].dropna(subset=["gap"])
        if len(sq):
            out.append(
                f"The overall (unweighted) SERVQUAL score is {text.number(sq['gap'].iloc[0], 2)}."
            )
    if ipa is not None and len(ipa):
        conc = ipa[ipa["quadrant"] == "concentrate here"].sort_values("importance", ascending=False)
        if len(conc):
            names = ", ".join(f"'{i}'" for i in conc["item"].head(3))
            out.append(
                f"Importance-performance analysis puts {text.count(len(conc))} attributes in "
                f"'concentrate here'; the most important are {names}."
            )
        else:
            out.append("No attribute falls in the 'concentrate here' quadrant.")
    if pls is not None and hasattr(pls, "path_coefficients_"):
        paths = pls.path_coefficients_
        if "SAT" in paths.columns:
            col = paths["SAT"][paths["SAT"] != 0].dropna()
            if len(col):
                top = col.abs().idxmax()
                r2 = pls.r_squared_.get("SAT")
                r2_clause = (
                    f"; R² of satisfaction is {text.number(r2, 2)}" if text.available(r2) else ""
                )
                out.append(
                    f"In the ECSI model the strongest direct driver of satisfaction is {top} "
                    f"(path {text.number(col[top], 2)}){r2_clause}."
                )
    if index_comparison is not None and len(index_comparison):
        row = index_comparison.set_index("construct")
        if "SAT" in row.index:
            r = row.loc["SAT"]
            means = {c[5:]: r[c] for c in row.columns if c.startswith("mean_")}
            shown = ", ".join(f"{k} {text.number(v, 1)}" for k, v in means.items())
            if text.available(r["p_value"]):
                verdict = "differs significantly" if r["p_value"] < alpha else "does not differ"
                out.append(
                    f"The satisfaction index (0-100) {verdict} between groups ({shown}; "
                    f"{text.pvalue(r['p_value'])})."
                )
    return out
