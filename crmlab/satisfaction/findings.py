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
    servperf: pd.DataFrame | None = None,
    simulated: bool = False,
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
        A fitted model with a "SAT" construct (the largest direct path into satisfaction is
        reported).
    index_comparison : DataFrame, optional
        :func:`index_by_segment` output (two segments: the difference with its interval).
    alpha : float
        Significance level used in the wording.
    servperf : DataFrame, optional
        :func:`servqual_vs_servperf` output.
    simulated : bool
        The survey is simulated: every sentence about it starts with "Simulated survey:".

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
        method = _CORRECTIONS.get(gaps.attrs.get("correction", ""), "")
        sentence = (
            f"{text.count(len(neg))} of {text.count(len(gaps))} items fall significantly short "
            f"of expectations (adjusted p < {text.number(alpha, None)}); "
            f"{text.count(len(pos))} {'exceeds' if len(pos) == 1 else 'exceed'} them"
            f"{f' ({method} adjustment over the {text.count(len(gaps))} items)' if method else ''}."
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
            what = "the most important of these is" if len(conc) == 1 else (
                "the most important of these are" if len(conc) <= 3 else
                "the three most important of these are"
            )  # fmt: skip
            out.append(
                f"Importance-performance analysis puts {text.count(len(conc))} "
                f"{'attribute' if len(conc) == 1 else 'attributes'} in 'concentrate here' "
                f"(important, performing below the crosshair); {what} {names}."
            )
        else:
            out.append("No attribute falls in the 'concentrate here' quadrant.")
    if servperf is not None and len(servperf) == 3:
        out.append(_servperf_sentence(servperf, level, alpha))
    if simulated:
        out = [f"Simulated survey: {s[0].lower() + s[1:] if s.startswith(_LOWER) else s}"
               for s in out]  # fmt: skip
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
                    f"In the ECSI path model the largest direct path into satisfaction is from "
                    f"{top} ({text.number(col[top], 2)}){r2_clause}; an association under the "
                    "model's assumed structure."
                )
    if index_comparison is not None and len(index_comparison):
        row = index_comparison.set_index("construct")
        if "SAT" in row.index:
            out.extend(_index_sentence(row.loc["SAT"], index_comparison.attrs, level, alpha))
    return out


_CORRECTIONS = {"holm": "Holm", "bonferroni": "Bonferroni", "fdr_bh": "Benjamini-Hochberg"}
_LOWER = ("The ", "By ", "Importance", "No ", "Perceptions")


def _servperf_sentence(table: pd.DataFrame, level: str, alpha: float) -> str:
    q, p, d = (table.iloc[i] for i in range(3))
    n_boot = int(table.attrs.get("n_bootstrap", 0))
    floor = 2 / (n_boot + 1) if n_boot else 0.0
    p_text = (
        f"bootstrap p ≤ {text.number(floor, 3)}, the smallest {text.count(n_boot)} resamples "
        "can show"
        if n_boot and d["p_value"] <= floor * (1 + 1e-9)
        else f"bootstrap {text.pvalue(d['p_value'])}"
    )
    verdict = (
        f"no evidence of a difference at the {text.pct(alpha)} level"
        if not d["p_value"] < alpha
        else ("perceptions alone explain more" if d["adj_r_squared"] > 0 else
              "the gaps explain more")
    )  # fmt: skip
    return (
        f"Perceptions alone (SERVPERF) explain {text.pct(p['adj_r_squared'])} of the variance of "
        f"overall satisfaction (adjusted R²), the perception-minus-expectation gaps (SERVQUAL) "
        f"{text.pct(q['adj_r_squared'])}: difference "
        f"{text.number(100 * d['adj_r_squared'], 1, signed=True)} percentage points ({level} paired "
        f"bootstrap interval {text.interval(100 * d['lower'], 100 * d['upper'], 1)}; "
        f"{p_text}); {verdict} (Cronin and Taylor 1992)."
    )


def _index_sentence(r: pd.Series, attrs: dict, level: str, alpha: float) -> list[str]:
    means = {c[5:]: r[c] for c in r.index if c.startswith("mean_")}
    shown = ", ".join(f"{k} {text.number(v, 1)}" for k, v in means.items())
    if not text.available(r.get("p_value")):
        return []
    groups = attrs.get("groups", list(means))
    if len(groups) == 2 and text.available(r.get("difference"), r.get("lower"), r.get("upper")):
        verdict = (
            "a significant difference" if r["p_value"] < alpha
            else f"no evidence of a difference at the {text.pct(alpha)} level"
        )  # fmt: skip
        diff = float(r["difference"])
        return [
            f"The '{groups[1]}' group scores {text.number(abs(diff), 1)} points "
            f"{'higher' if diff > 0 else 'lower'} on the satisfaction index (0-100) than the "
            f"'{groups[0]}' group ({shown}; {level} interval of the difference "
            f"{text.interval(r['lower'], r['upper'], 1)}; {text.pvalue(r['p_value'])}): "
            f"{verdict}."
        ]
    verdict = (
        "differs significantly between the groups" if r["p_value"] < alpha
        else f"shows no evidence of a difference between the groups at the {text.pct(alpha)} "
        "level"
    )  # fmt: skip
    return [f"The satisfaction index (0-100) {verdict} ({shown}; {text.pvalue(r['p_value'])})."]
