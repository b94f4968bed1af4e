"""The survey contract: expectation/perception answers in long format, read and validated.

Long format (one row per respondent and item)
---------------------------------------------
========================  ===============================================================
``respondent_id``         who answered (any hashable; no missing values)
``item``                  the attribute asked about, e.g. "modern equipment"
``dimension``             the group of the item, e.g. SERVQUAL's "tangibles" (no missing)
``expectation``           what the respondent expects (number on the declared scale)
``perception``            how the respondent perceives the performance (same scale)
``importance``            optional stated importance of the item (same scale)
any other column          respondent-level attributes (segments), kept as they are
========================  ===============================================================

Each (respondent_id, item) pair appears once. Missing answers: ``missing="drop"`` removes the
rows of an item where the expectation or the perception is missing (pairwise per item: the same
respondent still counts for the other items) and warns how many rows went; ``missing="error"``
raises a DataError listing them.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab.checks import check_choice, check_scale
from crmlab.errors import CrmlabWarning, DataError, ParameterError
from crmlab.io import check_in_range, check_numeric, read_table, row_error

__all__ = [
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
]

REQUIRED_SURVEY_COLUMNS: tuple[str, ...] = (
    "respondent_id",
    "item",
    "dimension",
    "expectation",
    "perception",
)
OPTIONAL_SURVEY_COLUMNS: tuple[str, ...] = ("importance",)
_MEASURES = ("expectation", "perception", "importance")


def _check_options(scale: Sequence[float] | None, missing: str) -> tuple[float, float] | None:
    """The checked scale, or None when it is to be inferred from the answers."""
    check_choice(missing, "missing", ("drop", "error"))
    if scale is None or (not isinstance(scale, str) and all(v is None for v in scale)):
        return None
    if not isinstance(scale, str) and any(v is None for v in scale):
        raise ParameterError(
            f"scale must give both ends or neither (None: inferred from the answers); got "
            f"{scale!r}. In the notebook set both scale_min and scale_max, or neither.",
            parameter="scale",
        )
    return check_scale(scale)


def infer_scale(survey: pd.DataFrame) -> tuple[float, float]:
    """The answer scale of a survey whose scale was not given: lowest to highest answer.

    Expectation and perception answers (and importance, when present) must be whole numbers, as
    on a rating scale; the scale runs from the lowest to the highest answer given. A scale
    point nobody used (a 1-7 scale where no one answered 1) cannot be seen in the data: pass the
    scale when it matters (it bounds the checks, not the gap statistics).

    Raises
    ------
    DataError
        Answers that are not whole numbers, or that span fewer than three scale points.
    """
    cols = [c for c in _MEASURES if c in survey.columns]
    values = pd.concat([pd.to_numeric(survey[c], errors="coerce") for c in cols]).dropna()
    if values.empty:
        raise DataError(
            "The survey has no numeric answers to infer the scale from; pass the scale "
            "(scale=(min, max); in the notebook scale_min and scale_max).",
            column=cols[0] if cols else None,
        )
    fractional = (values % 1 != 0).to_numpy()
    if fractional.any():
        raise DataError(
            f"Cannot infer the answer scale: answers such as {values[fractional].iloc[0]:g} are "
            "not whole scale points. Pass the scale (scale=(min, max); in the notebook "
            "scale_min and scale_max).",
            column=cols[0],
        )
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 2:
        raise DataError(
            f"Cannot infer the answer scale: the answers only span {lo:g}-{hi:g}. Pass the "
            "scale (scale=(min, max); in the notebook scale_min and scale_max).",
            column=cols[0],
        )
    return lo, hi


def validate_survey(
    survey: pd.DataFrame, scale: Sequence[float] = (1, 7), missing: str = "drop"
) -> pd.DataFrame:
    """Check a long survey table against the contract and return a clean copy.

    Parameters
    ----------
    survey : DataFrame
        Long survey (see the module notes).
    scale : (min, max) or None
        The answer scale; values outside raise. None: inferred from the answers with
        :func:`infer_scale` (a CrmlabWarning says which).
    missing : {"drop", "error"}
        What to do with rows whose expectation or perception is missing (module notes).

    Returns
    -------
    DataFrame
        The contract's columns first (measures as float64), then the others, fresh RangeIndex.

    Raises
    ------
    DataError
        Missing columns; missing respondent ids or dimensions; non-numeric answers; answers
        outside ``scale``; duplicated (respondent_id, item) pairs; missing answers with
        ``missing="error"``. The message names the column and up to five rows.
    """
    checked = _check_options(scale, missing)
    missing_cols = [c for c in REQUIRED_SURVEY_COLUMNS if c not in survey.columns]
    if missing_cols:
        raise DataError(
            f"The survey lacks the column(s) {missing_cols}; columns found: "
            f"{list(survey.columns)[:30]}. Pass columns={{'your name': '{missing_cols[0]}'}} "
            "to read_survey, or build it with survey_from_wide.",
            column=missing_cols[0],
        )
    frame = survey
    if checked is None:
        for col in [c for c in _MEASURES if c in frame.columns]:
            check_numeric(frame, col, allow_null=True)
        checked = infer_scale(frame)
        warnings.warn(
            f"Answer scale inferred from the answers: {checked[0]:g}-{checked[1]:g}; pass "
            "scale=(min, max) (notebook: scale_min, scale_max) if the questionnaire's scale is "
            "wider.",
            CrmlabWarning,
            stacklevel=2,
        )
    lo, hi = checked
    for col, what in (
        ("respondent_id", "Give every row its respondent's id."),
        ("item", "Give every row the item it answers."),
        ("dimension", "Give every item a dimension (in item_map or the dimension column)."),
    ):
        bad = frame[col].isna()
        if bad.any():
            raise row_error(frame, bad, col, f"missing {col.replace('_', ' ')}s", what)
    measures = [c for c in _MEASURES if c in frame.columns]
    for col in measures:
        check_numeric(frame, col, allow_null=True)
        check_in_range(
            frame,
            col,
            lo,
            hi,
            advice=f"Answers must lie on the declared scale {lo:g}-{hi:g}: fix these rows or "
            f"pass scale=(min, max) matching the questionnaire.",
        )
    dup = frame.duplicated(["respondent_id", "item"], keep="first").to_numpy()
    if dup.any():
        raise row_error(
            frame,
            dup,
            "item",
            "repeated (respondent_id, item) pairs",
            "Each respondent answers each item once: remove the duplicates.",
        )
    n_dims = frame.groupby("item", sort=False)["dimension"].nunique()
    if (n_dims > 1).any():
        item = n_dims.index[n_dims > 1][0]
        raise row_error(
            frame,
            (frame["item"] == item).to_numpy(),
            "dimension",
            f"item {item!r} assigned to several dimensions",
            "Give each item exactly one dimension.",
        )
    incomplete = frame[["expectation", "perception"]].isna().any(axis=1).to_numpy()
    if incomplete.any():
        if missing == "error":
            col = "expectation" if frame["expectation"].isna().any() else "perception"
            raise row_error(
                frame,
                incomplete,
                col,
                "missing answers",
                "Pass missing='drop' to analyse each item on the respondents who answered it.",
            )
        warnings.warn(
            f"Dropped {int(incomplete.sum())} survey rows with a missing expectation or "
            "perception (missing='drop': pairwise per item).",
            CrmlabWarning,
            stacklevel=2,
        )
    out = frame.loc[~incomplete].copy()
    for col in measures:
        out[col] = pd.to_numeric(out[col]).astype("float64")
    order = [*REQUIRED_SURVEY_COLUMNS, *[c for c in OPTIONAL_SURVEY_COLUMNS if c in out]]
    out = out[order + [c for c in out.columns if c not in order]].reset_index(drop=True)
    out.attrs["scale"] = (lo, hi)
    return out


def read_survey(
    source: str | os.PathLike | pd.DataFrame,
    columns: Mapping[Any, str] | None = None,
    scale: Sequence[float] = (1, 7),
    missing: str = "drop",
    read_options: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Read a long-format survey (file or DataFrame) and validate it against the contract.

    Parameters
    ----------
    source : path or DataFrame
        CSV/Parquet file or DataFrame in long format (module notes); see
        :func:`crmlab.io.read_table` for the file rules.
    columns : mapping, optional
        The user's column names to ours, e.g. ``{"Kunde": "respondent_id", "Soll": "expectation"}``.
    scale, missing
        See :func:`validate_survey`.
    read_options : dict, optional
        Reader options (:data:`crmlab.io.READ_OPTIONS`: ``encoding``, ``sep``, ``decimal``,
        ``thousands``; the transactions-only options are ignored).

    Returns
    -------
    DataFrame
        Validated long survey.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.satisfaction import read_survey
    >>> raw = pd.DataFrame({"id": [1, 1], "item": ["a", "b"], "dimension": ["x", "x"],
    ...                     "expectation": [6, 5], "perception": [5, 5]})
    >>> read_survey(raw, columns={"id": "respondent_id"})["perception"].tolist()
    [5.0, 5.0]
    """
    frame = read_table(
        source,
        REQUIRED_SURVEY_COLUMNS,
        columns,
        optional=OPTIONAL_SURVEY_COLUMNS,
        text_columns=("respondent_id", "item", "dimension"),
        what="survey",
        read_options=read_options,
    )
    return validate_survey(frame, scale=scale, missing=missing)


def _item_table(item_map: Mapping[str, Any] | pd.DataFrame) -> pd.DataFrame:
    if isinstance(item_map, pd.DataFrame):
        table = item_map.copy()
        if "item" not in table.columns:
            table = table.rename_axis("item").reset_index()
    elif isinstance(item_map, Mapping) and item_map:
        rows = []
        for item, spec in item_map.items():
            if not isinstance(spec, Mapping):
                raise ParameterError(
                    f"item_map[{item!r}] must be a mapping with keys dimension, expectation, "
                    f"perception and optionally importance; got {spec!r}.",
                    parameter="item_map",
                )
            rows.append({"item": item, **spec})
        table = pd.DataFrame(rows)
    else:
        raise ParameterError(
            "item_map must be a non-empty mapping item -> {'dimension': ..., 'expectation': "
            "column, 'perception': column, 'importance': column} or a DataFrame with those "
            "columns.",
            parameter="item_map",
        )
    need = ["item", "dimension", "expectation", "perception"]
    lacking = [c for c in need if c not in table.columns]
    if lacking:
        raise ParameterError(
            f"item_map lacks {lacking}; each item needs a dimension, an expectation column and "
            "a perception column.",
            parameter="item_map",
        )
    if table["dimension"].isna().any() or (table["dimension"].astype(str) == "").any():
        bad = table.loc[table["dimension"].isna(), "item"].tolist()[:5]
        raise DataError(
            f"Items without a dimension in item_map: {bad}. Give every item a dimension.",
            column="dimension",
            rows=bad,
        )
    return table


def survey_from_wide(
    frame: pd.DataFrame,
    item_map: Mapping[str, Any] | pd.DataFrame,
    respondent_column: str | None = None,
    *,
    segment_columns: Sequence[str] | None = None,
    scale: Sequence[float] = (1, 7),
    missing: str = "drop",
) -> pd.DataFrame:
    """Turn a wide survey export (one column per item and measure) into the long contract.

    Parameters
    ----------
    frame : DataFrame
        One row per respondent.
    item_map : mapping or DataFrame
        item -> {"dimension": str, "expectation": column, "perception": column,
        "importance": column (optional)}; or a DataFrame with columns item (or index),
        dimension, expectation, perception, importance (optional).
    respondent_column : str, optional
        Column holding respondent ids; default the frame's index.
    segment_columns : sequence of str, optional
        Respondent-level columns to carry along; default every column not used by
        ``item_map`` (nor the respondent column).
    scale, missing
        See :func:`validate_survey`; the range check runs on the wide columns so the error names
        the user's column and rows.

    Returns
    -------
    DataFrame
        Validated long survey, rows ordered by respondent then item (item_map order).
    """
    checked = _check_options(scale, missing)
    table = _item_table(item_map)
    measure_cols = [
        c for m in _MEASURES if m in table for c in table[m].dropna().tolist() if c is not None
    ]
    absent = [c for c in measure_cols if c not in frame.columns]
    if absent:
        raise DataError(
            f"item_map names columns absent from the data: {absent[:5]}. Columns found: "
            f"{list(frame.columns)[:30]}.",
            column=absent[0],
        )
    for c in dict.fromkeys(measure_cols):
        check_numeric(frame, c, allow_null=True)
        if checked is None:  # inferred on the long table by validate_survey
            continue
        lo, hi = checked
        check_in_range(
            frame,
            c,
            lo,
            hi,
            advice=f"Answers must lie on the declared scale {lo:g}-{hi:g}: fix these rows or "
            "pass scale=(min, max) matching the questionnaire.",
        )
    if respondent_column is None:
        ids = pd.Series(frame.index, index=frame.index)
    else:
        if respondent_column not in frame.columns:
            raise DataError(
                f"respondent_column {respondent_column!r} is not a column of the data.",
                column=respondent_column,
            )
        ids = frame[respondent_column]
    if ids.isna().any():
        raise row_error(
            frame,
            ids.isna().to_numpy(),
            respondent_column or "index",
            "missing respondent ids",
            "Give every respondent an id.",
            values=ids,
        )
    used = set(measure_cols) | {respondent_column}
    if segment_columns is None:
        segment_columns = [c for c in frame.columns if c not in used]
    n, k = len(frame), len(table)
    long = pd.DataFrame(
        {
            "respondent_id": np.repeat(ids.to_numpy(), k),
            "item": np.tile(table["item"].to_numpy(), n),
            "dimension": np.tile(table["dimension"].to_numpy(), n),
        }
    )
    for m in _MEASURES:
        if m not in table:
            continue
        cols = table[m].tolist()
        values = np.full((n, k), np.nan)
        for j, c in enumerate(cols):
            if isinstance(c, str) and c in frame.columns:
                values[:, j] = pd.to_numeric(frame[c]).to_numpy(dtype="float64")
        long[m] = values.ravel()
    for c in segment_columns:
        long[c] = np.repeat(frame[c].to_numpy(), k)
    return validate_survey(long, scale=scale, missing=missing)


def load_survey_or_example(
    survey_path: str = "",
    columns: Mapping[Any, str] | None = None,
    item_map: Mapping[str, Any] | None = None,
    scale: Sequence[float] = (1, 7),
    seed: int = 0,
    n_respondents: int = 400,
) -> tuple[pd.DataFrame, str]:
    """Deprecated: use :func:`crmlab.inputs.survey_or_default` (same arguments and result).

    The notebook's survey: the user's file, or the simulated SERVQUAL survey when none.

    Parameters
    ----------
    survey_path : str
        Empty: simulate with :func:`crmlab.datasets.simulate_servqual_survey` (``seed``,
        ``n_respondents``). Otherwise a CSV/Parquet file: long format (read with
        :func:`read_survey` and ``columns``) or, when ``item_map`` is given, a wide export (read
        with :func:`crmlab.io.read_table` and ``columns``, then :func:`survey_from_wide`; a
        ``respondent_id`` column is used when present).
    columns, item_map, scale
        As in :func:`read_survey` / :func:`survey_from_wide`.

    Returns
    -------
    (DataFrame, str)
        The validated long survey and a sentence saying where it came from.
    """
    warnings.warn(
        "crmlab.satisfaction.load_survey_or_example is deprecated; use "
        "crmlab.inputs.survey_or_default.",
        DeprecationWarning,
        stacklevel=2,
    )
    if not survey_path:
        from crmlab.datasets import simulate_servqual_survey

        survey, _ = simulate_servqual_survey(n_respondents, seed=seed, scale=tuple(scale))
        return survey, (
            f"Simulated SERVQUAL survey ({n_respondents} respondents, 22 items, seed {seed}); "
            "pass survey_path to analyse your own data."
        )
    if item_map:
        frame = read_table(survey_path, (), columns, what="survey")
        rid = "respondent_id" if "respondent_id" in frame.columns else None
        survey = survey_from_wide(frame, item_map, rid, scale=scale)
    else:
        survey = read_survey(survey_path, columns, scale=scale)
    return survey, f"Survey read from {os.path.basename(str(survey_path))}."


def respondent_table(
    survey: pd.DataFrame,
    by: str = "dimension",
    measure: str = "perception",
    keep: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per respondent: mean ``measure`` per dimension (or per item), plus ``keep``.

    Returns
    -------
    DataFrame
        Index respondent_id; one column per dimension/item (mean of the respondent's answered
        items), then the respondent-level columns ``keep`` (e.g. overall satisfaction, segment).
    """
    if by not in ("dimension", "item"):
        raise ParameterError(f"by must be 'dimension' or 'item', got {by!r}.", parameter="by")
    order = list(dict.fromkeys(survey[by]))
    wide = survey.pivot_table(index="respondent_id", columns=by, values=measure, aggfunc="mean")
    wide = wide[order]
    wide.columns.name = None
    if keep:
        extra = survey.drop_duplicates("respondent_id").set_index("respondent_id")[list(keep)]
        wide = wide.join(extra)
    return wide


#: Respondent-level columns of :func:`crmlab.datasets.simulate_servqual_survey`.
_SIMULATED = {"overall": "overall_satisfaction", "segment": "segment"}
_OVERALL_WORDS = ("overall", "satisf", "csat", "zufrieden", "soddisf")


def _respondent_level(survey: pd.DataFrame) -> list[str]:
    """Columns outside the contract with one value per respondent."""
    skip = set(REQUIRED_SURVEY_COLUMNS) | set(OPTIONAL_SURVEY_COLUMNS)
    out = []
    for c in survey.columns:
        if c in skip:
            continue
        per = survey.groupby("respondent_id", sort=False)[c].nunique(dropna=False)
        if (per <= 1).all():
            out.append(str(c))
    return out


def overall_column_or_default(
    survey: pd.DataFrame, overall_column: str = "", simulated: bool = False, required: bool = True
) -> str | None:
    """The overall-satisfaction column: the one named, or inferred from the survey.

    Parameters
    ----------
    survey : DataFrame
        The validated long survey.
    overall_column : str
        A numeric column with one value per respondent. Empty: the simulated survey's
        ``overall_satisfaction`` when ``simulated``; otherwise the one numeric respondent-level
        column whose name says overall or satisfaction (``overall``, ``satisf``, ``csat``,
        ``zufrieden``, ``soddisf``; a CrmlabWarning says which was taken).
    simulated : bool
        The survey comes from :func:`crmlab.datasets.simulate_servqual_survey`.
    required : bool
        Raise when none is found (derived importance needs it); else return None.

    Raises
    ------
    DataError
        A named column that is missing, not numeric or not constant per respondent; several
        candidates; none found with ``required``. Each message lists the columns to choose from.
    """
    levels = _respondent_level(survey)
    numeric = [c for c in levels if pd.api.types.is_numeric_dtype(survey[c])]
    if overall_column:
        if overall_column not in survey.columns:
            raise DataError(
                f"overall_column {overall_column!r} is not a column of the survey; "
                f"respondent-level columns found: {levels[:10]}.",
                column=overall_column,
            )
        if overall_column not in numeric:
            raise DataError(
                f"overall_column {overall_column!r} must be a number with one value per "
                f"respondent (an overall satisfaction rating); numeric respondent-level columns "
                f"found: {numeric[:10]}.",
                column=overall_column,
            )
        return overall_column
    if simulated and _SIMULATED["overall"] in survey.columns:
        return _SIMULATED["overall"]
    found = [c for c in numeric if any(w in c.lower() for w in _OVERALL_WORDS)]
    if len(found) == 1:
        warnings.warn(
            f"overall_column inferred from the survey: {found[0]!r} (the one numeric "
            "respondent-level column named like overall satisfaction); pass overall_column to "
            "choose another.",
            CrmlabWarning,
            stacklevel=2,
        )
        return found[0]
    if len(found) > 1:
        raise DataError(
            f"Several columns could be the overall satisfaction: {found[:10]}; pass "
            "overall_column to choose one.",
            column=found[0],
        )
    if required:
        raise DataError(
            "No overall satisfaction column found (a numeric column with one value per "
            f"respondent, named like overall or satisfaction; numeric respondent-level columns: "
            f"{numeric[:10]}). Pass overall_column=NAME, or importance_method='stated' to run "
            "without it (the driver and SERVPERF sections are then left out).",
            column="overall_column",
        )
    return None


def segment_column_or_default(
    survey: pd.DataFrame, segment_column: str = "", simulated: bool = False
) -> str | None:
    """The respondent-level segment column: the one named, the simulation's, or none.

    Empty ``segment_column``: the simulated survey's ``segment`` when ``simulated``; for a
    file, no segment comparison (a CrmlabWarning lists the respondent-level columns with 2-10
    values that could serve). A named column must exist and be constant per respondent
    (DataError otherwise).
    """
    levels = _respondent_level(survey)
    if segment_column:
        if segment_column not in survey.columns:
            raise DataError(
                f"segment_column {segment_column!r} is not a column of the survey; "
                f"respondent-level columns found: {levels[:10]}.",
                column=segment_column,
            )
        if segment_column not in levels:
            raise DataError(
                f"segment_column {segment_column!r} takes several values for one respondent; "
                f"a segment describes the respondent. Respondent-level columns: {levels[:10]}.",
                column=segment_column,
            )
        return segment_column
    if simulated:
        return _SIMULATED["segment"] if _SIMULATED["segment"] in survey.columns else None
    candidates = [c for c in levels if 2 <= survey[c].nunique() <= 10]
    if candidates:
        warnings.warn(
            f"No segment_column given: no segment comparison. Respondent-level columns that "
            f"could serve: {candidates[:5]}; pass one as segment_column.",
            CrmlabWarning,
            stacklevel=2,
        )
    return None
