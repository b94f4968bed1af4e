"""The notebooks' inputs: the user's file, or the bundled (or simulated) default when there is none.

Every notebook reads its data through one of these functions, so "an empty path means the
example data" is decided in one place and nothing else knows which data set is the default:

- :func:`transactions_or_default`: a transactions file, or CDNOW (notebooks 00, 03, 04);
- :func:`ratings_or_default`: benefit/cost ratings, or simulated ratings with their true values
  (notebook 01);
- :func:`survey_or_default`: a SERVQUAL survey (long or wide), or a simulated one (notebook 02);
- :func:`subscriptions_or_default`: subscription start/end periods, or the Fader-Hardie cohorts
  (notebook 04);
- :func:`portfolio_or_default`: transactions plus a product table, or The Complete Journey
  (notebook 05).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from crmlab import datasets, text
from crmlab.io import check_read_options, read_table, read_transactions

__all__ = [
    "portfolio_or_default",
    "ratings_or_default",
    "subscriptions_or_default",
    "survey_or_default",
    "transactions_or_default",
]


def transactions_or_default(
    path: str = "",
    columns: Mapping[Any, str] | None = None,
    read_options: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """A transactions file, or the bundled CDNOW sample when ``path`` is empty.

    Parameters
    ----------
    path : str
        A CSV/Parquet file or a glob of them (:func:`crmlab.io.read_transactions`); empty for
        :func:`crmlab.datasets.load_cdnow`.
    columns : mapping, optional
        Your column names to crmlab's, e.g. ``{"Kunde": "customer_id"}``.
    read_options : dict, optional
        Reader options (:data:`crmlab.io.READ_OPTIONS`), e.g. ``{"date_format": "%Y%m%d",
        "decimal": ","}``; checked even when ``path`` is empty.

    Returns
    -------
    DataFrame
        The checked transactions contract (``customer_id``, ``date``, ``amount``, ...).
    """
    options = check_read_options(read_options)
    if not path:
        return datasets.load_cdnow()
    return read_transactions(path, columns, read_options=options)


def ratings_or_default(
    path: str = "",
    columns: Mapping[Any, str] | None = None,
    n_respondents: int = 300,
    seed: int = 0,
    read_options: Mapping[str, Any] | None = None,
    scale: Sequence[float | None] | None = (1, 7),
) -> tuple[pd.DataFrame, Any]:
    """Benefit/cost ratings from a file, or simulated ratings with known true values.

    Parameters
    ----------
    path : str
        A ratings file (:func:`crmlab.value.read_ratings`); empty for
        :func:`crmlab.datasets.simulate_brand_ratings` (``n_respondents``, ``seed``).
    columns : mapping, optional
        Your column names to crmlab's, e.g. ``{"Marke": "brand"}``.
    n_respondents, seed : int
        Size and seed of the simulation.
    read_options : dict, optional
        Reader options (:data:`crmlab.io.READ_OPTIONS`); checked even when ``path`` is empty.
    scale : (low, high) or None
        The file's rating scale (:func:`crmlab.value.read_ratings`); None or ``(None, None)``:
        inferred from the ratings. The simulation is always on 1-7.

    Returns
    -------
    (DataFrame, BrandValueTruth or None)
        The checked ratings and, for simulated ratings, their true values (None for a file).
    """
    options = check_read_options(read_options)
    if path:
        from crmlab.value import read_ratings

        return read_ratings(path, columns, scale=scale, read_options=options), None
    ratings, truth = datasets.simulate_brand_ratings(n_respondents, seed=seed)
    return ratings, truth


def survey_or_default(
    survey_path: str = "",
    columns: Mapping[Any, str] | None = None,
    item_map: Mapping[str, Any] | None = None,
    scale: Sequence[float | None] | None = (1, 7),
    seed: int = 0,
    n_respondents: int = 400,
    read_options: Mapping[str, Any] | None = None,
    return_truth: bool = False,
) -> tuple[pd.DataFrame, str] | tuple[pd.DataFrame, str, pd.DataFrame | None]:
    """The notebook's survey: the user's file, or the simulated SERVQUAL survey when none.

    Parameters
    ----------
    survey_path : str
        Empty: simulate with :func:`crmlab.datasets.simulate_servqual_survey` (``seed``,
        ``n_respondents``). Otherwise a CSV/Parquet file: long format (read with
        :func:`crmlab.satisfaction.read_survey` and ``columns``) or, when ``item_map`` is given,
        a wide export (read with :func:`crmlab.io.read_table` and ``columns``, then
        :func:`crmlab.satisfaction.survey_from_wide`; a ``respondent_id`` column is used when
        present).
    columns, item_map, scale
        As in :func:`crmlab.satisfaction.read_survey` /
        :func:`crmlab.satisfaction.survey_from_wide`; a scale of None (or ``(None, None)``) is
        inferred from the answers of a file and is 1-7 for the simulation.
    seed, n_respondents : int
        Seed and size of the simulation.
    read_options : dict, optional
        Reader options (:data:`crmlab.io.READ_OPTIONS`); checked even when ``survey_path`` is
        empty.
    return_truth : bool
        Also return the simulation's true gaps (None for a file).

    Returns
    -------
    (DataFrame, str) or (DataFrame, str, DataFrame or None)
        The validated long survey and a plain-text sentence saying where it came from (the
        file's name as typed: show it with ``crmlab.text.note("{}", sentence)``, which escapes);
        with ``return_truth`` also the true gaps of the simulation.
    """
    options = check_read_options(read_options)
    if scale is not None and all(v is None for v in scale):
        scale = None
    if not survey_path:
        survey, truth = datasets.simulate_servqual_survey(
            n_respondents, seed=seed, scale=(1, 7) if scale is None else tuple(scale)
        )
        source = (
            f"Simulated SERVQUAL survey ({text.count(n_respondents)} respondents, "
            f"{text.count(survey['item'].nunique())} items, seed {seed}); "
            "pass survey_path to analyse your own data."
        )
        return (survey, source, truth) if return_truth else (survey, source)
    from crmlab.satisfaction import read_survey, survey_from_wide

    if item_map:
        frame = read_table(survey_path, (), columns, what="survey", read_options=options)
        rid = "respondent_id" if "respondent_id" in frame.columns else None
        survey = survey_from_wide(frame, item_map, rid, scale=scale)
    else:
        survey = read_survey(survey_path, columns, scale=scale, read_options=options)
    respondents = text.count(survey["respondent_id"].nunique())
    source = f"Survey read from {os.path.basename(str(survey_path))} ({respondents} respondents)."
    return (survey, source, None) if return_truth else (survey, source)


def subscriptions_or_default(
    path: str = "",
    columns: Mapping[Any, str] | None = None,
    read_options: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Survivors by cohort from a subscriptions file, or the Fader-Hardie (2007) cohorts.

    Parameters
    ----------
    path : str
        A CSV/Parquet file with one row per customer, columns ``start`` and ``end`` (see
        :func:`crmlab.retention.subscription_survivors`); empty for
        :func:`crmlab.datasets.load_fader_hardie_cohorts`.
    columns : mapping, optional
        Your column names to ``start`` and ``end``.
    read_options : dict, optional
        Reader options (:data:`crmlab.io.READ_OPTIONS`); checked even when ``path`` is empty.

    Returns
    -------
    DataFrame
        Survivors of each acquisition cohort by periods since acquisition.
    """
    options = check_read_options(read_options)
    if not path:
        return datasets.load_fader_hardie_cohorts()
    from crmlab.retention import subscription_survivors

    table = read_table(path, ["start", "end"], columns, what="subscriptions", read_options=options)
    return subscription_survivors(table)


def portfolio_or_default(
    transactions_path: str = "",
    columns: Mapping[Any, str] | None = None,
    products_path: str = "",
    read_options: Mapping[str, Any] | None = None,
) -> datasets.CompleteJourney:
    """The customer-portfolio notebook's inputs: the user's files, or The Complete Journey.

    Parameters
    ----------
    transactions_path : str
        A transactions file (read with :func:`crmlab.io.read_transactions`); empty for
        :func:`crmlab.datasets.load_complete_journey`.
    columns : dict, optional
        The user's column names to crmlab's, applied to whichever file has them.
    products_path : str
        Optional product table with a ``product`` column and ``category`` and/or ``department``
        columns, joined to the transactions by ``product``.
    read_options : dict, optional
        Reader options (:data:`crmlab.io.READ_OPTIONS`) for both files; checked even when
        ``transactions_path`` is empty.

    Returns
    -------
    CompleteJourney
        With the user's files (:func:`crmlab.datasets.read_portfolio`), only ``transactions``
        (and ``products``) are filled; the other tables are empty.
    """
    options = check_read_options(read_options)
    if not transactions_path:
        return datasets.load_complete_journey()
    return datasets.read_portfolio(transactions_path, columns, products_path, read_options=options)
