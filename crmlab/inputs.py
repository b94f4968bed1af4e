"""The notebooks' inputs: the user's file, or the bundled (or simulated) default when there is none.

Every notebook reads its data through one of these functions, so "an empty path means the
example data" is decided in one place (:func:`file_or_default`) and nothing else knows which data
set is the default:

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
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import pandas as pd

from crmlab import datasets, text
from crmlab.io import check_read_options, read_table, read_transactions

__all__ = [
    "file_or_default",
    "portfolio_or_default",
    "ratings_or_default",
    "subscriptions_or_default",
    "survey_or_default",
    "transactions_or_default",
]


T = TypeVar("T")

#: The parameters every loader below shares, documented once (filled in by :func:`_shared_docs`).
_SHARED_PARAMETERS = {
    "columns": """columns : mapping, optional
        Your column names to crmlab's, e.g. ``{"Kunde": "customer_id"}``.""",
    "read_options": """read_options : dict, optional
        Reader options (:data:`crmlab.io.READ_OPTIONS`), e.g. ``{"date_format": "%Y%m%d",
        "decimal": ","}``; checked even when no file is given, so a wrong option fails on the
        bundled data too.""",
}


def _shared_docs(func: Callable[..., T]) -> Callable[..., T]:
    """Write the shared parameter texts into ``func``'s docstring where it says ``{name}``."""
    doc = func.__doc__ or ""
    for name, description in _SHARED_PARAMETERS.items():
        doc = doc.replace("{" + name + "}", description)
    func.__doc__ = doc
    return func


def file_or_default(
    path: str,
    read_options: Mapping[str, Any] | None,
    read: Callable[[dict[str, Any]], T],
    default: Callable[[], T],
) -> T:
    """The one rule of every notebook input: the user's file when given, else the default data.

    Parameters
    ----------
    path : str
        The notebook's path parameter (``transactions_path``, ``survey_path``, ...); empty means
        "no file of mine": the bundled or simulated data.
    read_options : dict or None
        Reader options, checked first (:func:`crmlab.io.check_read_options`) whether or not
        ``path`` is given: a mistake in ``-p read_options`` is refused on the bundled data too.
    read : callable
        ``read(options)`` reads the user's file with the checked options.
    default : callable
        ``default()`` gives the bundled or simulated data.

    Returns
    -------
    What ``read`` or ``default`` returns.

    Raises
    ------
    crmlab.errors.ParameterError
        An unknown reader option or a wrong value (from :func:`crmlab.io.check_read_options`).
    crmlab.errors.DataError
        The user's file does not satisfy the reader's contract (from ``read``).

    Examples
    --------
    >>> from crmlab import datasets, io
    >>> tx = file_or_default(
    ...     "", {}, lambda options: io.read_transactions("x.csv", read_options=options),
    ...     datasets.load_cdnow,
    ... )
    >>> int(tx["customer_id"].nunique())
    2357
    """
    options = check_read_options(read_options)
    if not path:
        return default()
    return read(options)


@_shared_docs
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
    {columns}
    {read_options}

    Returns
    -------
    DataFrame
        The checked transactions contract (``customer_id``, ``date``, ``amount``, ...).
    """
    return file_or_default(
        path,
        read_options,
        lambda options: read_transactions(path, columns, read_options=options),
        datasets.load_cdnow,
    )


@_shared_docs
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
    {columns}
    n_respondents, seed : int
        Size and seed of the simulation.
    {read_options}
    scale : (low, high) or None
        The file's rating scale (:func:`crmlab.value.read_ratings`); None or ``(None, None)``:
        inferred from the ratings. The simulation is always on 1-7.

    Returns
    -------
    (DataFrame, BrandValueTruth or None)
        The checked ratings and, for simulated ratings, their true values (None for a file).
    """
    from crmlab.value import read_ratings

    return file_or_default(
        path,
        read_options,
        lambda options: (read_ratings(path, columns, scale=scale, read_options=options), None),
        lambda: tuple(datasets.simulate_brand_ratings(n_respondents, seed=seed)),
    )


@_shared_docs
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
    {columns}
    item_map, scale
        As in :func:`crmlab.satisfaction.read_survey` /
        :func:`crmlab.satisfaction.survey_from_wide`; a scale of None (or ``(None, None)``) is
        inferred from the answers of a file and is 1-7 for the simulation.
    seed, n_respondents : int
        Seed and size of the simulation.
    {read_options}
    return_truth : bool
        Also return the simulation's true gaps (None for a file).

    Returns
    -------
    (DataFrame, str) or (DataFrame, str, DataFrame or None)
        The validated long survey and a plain-text sentence saying where it came from (the
        file's name as typed: show it with ``crmlab.text.note("{}", sentence)``, which escapes);
        with ``return_truth`` also the true gaps of the simulation.
    """
    from crmlab.satisfaction import read_survey, survey_from_wide

    if scale is not None and all(v is None for v in scale):
        scale = None

    truth: dict[str, pd.DataFrame] = {}  # the simulation's true gaps, kept for return_truth

    def simulated() -> tuple[pd.DataFrame, str]:
        survey, truth["gaps"] = datasets.simulate_servqual_survey(
            n_respondents, seed=seed, scale=(1, 7) if scale is None else tuple(scale)
        )
        return survey, (
            f"Simulated SERVQUAL survey ({text.count(n_respondents)} respondents, "
            f"{text.count(survey['item'].nunique())} items, seed {seed}); "
            "pass survey_path to analyse your own data."
        )

    def read(options: dict[str, Any]) -> tuple[pd.DataFrame, str]:
        if item_map:
            frame = read_table(survey_path, (), columns, what="survey", read_options=options)
            rid = "respondent_id" if "respondent_id" in frame.columns else None
            survey = survey_from_wide(frame, item_map, rid, scale=scale)
        else:
            survey = read_survey(survey_path, columns, scale=scale, read_options=options)
        respondents = text.count(survey["respondent_id"].nunique())
        return survey, (
            f"Survey read from {os.path.basename(str(survey_path))} ({respondents} respondents)."
        )

    loaded = file_or_default(survey_path, read_options, read, simulated)
    return (*loaded, truth.get("gaps")) if return_truth else loaded


@_shared_docs
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
    {columns}
    {read_options}

    Returns
    -------
    DataFrame
        Survivors of each acquisition cohort by periods since acquisition.
    """
    from crmlab.retention import subscription_survivors

    def read(options: dict[str, Any]) -> pd.DataFrame:
        table = read_table(
            path, ["start", "end"], columns, what="subscriptions", read_options=options
        )
        return subscription_survivors(table)

    return file_or_default(path, read_options, read, datasets.load_fader_hardie_cohorts)


@_shared_docs
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
    {columns}
        Applied to whichever file has them.
    products_path : str
        Optional product table with a ``product`` column and ``category`` and/or ``department``
        columns, joined to the transactions by ``product``.
    {read_options}
        The options apply to both files.

    Returns
    -------
    CompleteJourney
        With the user's files (:func:`crmlab.datasets.read_portfolio`), only ``transactions``
        (and ``products``) are filled; the other tables are empty.
    """
    return file_or_default(
        transactions_path,
        read_options,
        lambda options: datasets.read_portfolio(
            transactions_path, columns, products_path, read_options=options
        ),
        datasets.load_complete_journey,
    )
