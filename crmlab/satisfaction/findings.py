"""Key findings of a satisfaction study as sentences computed from the result tables."""

from __future__ import annotations

import pandas as pd

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
        One sentence per finding; each number is taken from the tables.
    """
    out: list[str] = []
    if gaps is not None and len(gaps):
        neg = gaps[gaps["significant"] & (gaps["gap"] < 0)].sort_values("gap")
        pos = gaps[gaps["significant"] & (gaps["gap"] > 0)]
        worst = gaps.sort_values("gap").iloc[0]
        out.append(
            f"{len(neg)} of {len(gaps)} items fall significantly short of expectations "
            f"(adjusted p < {alpha:g}); {len(pos)} {'exceeds' if len(pos) == 1 else 'exceed'} "
            "them. The largest shortfall is "
            f"'{worst['item']}' ({worst['dimension']}): gap {worst['gap']:.2f} "
            f"[{worst['ci_lower']:.2f}, {worst['ci_upper']:.2f}]."
        )
    if dimensions is not None and len(dimensions):
        dims = dimensions[~dimensions["dimension"].astype(str).str.startswith("SERVQUAL")]
        if len(dims):
            w = dims.sort_values("gap").iloc[0]
            b = dims.sort_values("gap").iloc[-1]
            out.append(
                f"By dimension, '{w['dimension']}' has the largest gap ({w['gap']:.2f}, "
                f"{100 * (1 - alpha):g}% CI [{w['ci_lower']:.2f}, {w['ci_upper']:.2f}]) and "
                f"'{b['dimension']}' the "
                f"most favourable ({b['gap']:.2f})."
            )
        sq = dimensions[dimensions["dimension"] == "SERVQUAL"]
        if len(sq):
            s = sq.iloc[0]
            out.append(f"The overall (unweighted) SERVQUAL score is {s['gap']:.2f}.")
    if ipa is not None and len(ipa):
        conc = ipa[ipa["quadrant"] == "concentrate here"].sort_values("importance", ascending=False)
        if len(conc):
            names = ", ".join(f"'{i}'" for i in conc["item"].head(3))
            out.append(
                f"Importance-performance analysis puts {len(conc)} attributes in 'concentrate "
                f"here'; the most important are {names}."
            )
        else:
            out.append("No attribute falls in the 'concentrate here' quadrant.")
    if pls is not None and hasattr(pls, "path_coefficients_"):
        paths = pls.path_coefficients_
        if "SAT" in paths.columns:
            col = paths["SAT"][paths["SAT"] != 0]
            if len(col):
                top = col.abs().idxmax()
                out.append(
                    f"In the ECSI model the strongest direct driver of satisfaction is {top} "
                    f"(path {col[top]:.2f}); R² of satisfaction is "
                    f"{pls.r_squared_.get('SAT', float('nan')):.2f}."
                )
    if index_comparison is not None and len(index_comparison):
        row = index_comparison.set_index("construct")
        if "SAT" in row.index:
            r = row.loc["SAT"]
            means = {c[5:]: r[c] for c in row.columns if c.startswith("mean_")}
            text = ", ".join(f"{k} {v:.1f}" for k, v in means.items())
            verdict = "differs significantly" if r["p"] < alpha else "does not differ"
            out.append(
                f"The satisfaction index (0-100) {verdict} between groups ({text}; "
                f"p = {r['p']:.3f})."
            )
    return out
