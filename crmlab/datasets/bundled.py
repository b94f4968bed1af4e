"""Loaders of the real data sets bundled in ``data/`` (provenance in ``data/README.md``)."""

from __future__ import annotations

import pandas as pd

from crmlab._paths import data_file

__all__ = [
    "load_cdnow",
    "load_donations",
    "load_fader_hardie_cohorts",
    "load_mobi",
    "load_satisfaction",
    "load_wholesale",
]


def load_cdnow() -> pd.DataFrame:
    """CDNOW transactions: the 1/10 sample of the March 1997 cohort (Fader & Hardie).

    2,357 customers who made their first purchase at CDNOW in the first quarter of 1997, and
    their 6,919 purchases up to the end of June 1998.

    Returns
    -------
    DataFrame
        One row per transaction line, sorted by customer and date:

        - ``customer_id`` (int64): 1..2357
        - ``date`` (datetime64): day of the purchase
        - ``amount`` (float64): dollars spent
        - ``quantity`` (int64): number of CDs bought

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy Way:
    An Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275-284.

    Examples
    --------
    >>> from crmlab.datasets import load_cdnow
    >>> tx = load_cdnow()
    >>> tx["customer_id"].nunique(), len(tx)
    (2357, 6919)
    """
    frame = pd.read_csv(
        data_file("cdnow_sample.csv"),
        dtype={"customer_id": "int64", "quantity": "int64", "amount": "float64"},
        parse_dates=["date"],
    )
    frame["date"] = frame["date"].astype("datetime64[ns]")
    return frame[["customer_id", "date", "amount", "quantity"]]


def load_donations() -> pd.DataFrame:
    """Repeat donations of the 1995 cohort of a US non-profit, in compressed form.

    11,104 first-time supporters of 1995 and whether they donated in each of the six following
    years (1996-2001), summarised as the 22 distinct (frequency, recency) patterns with counts.

    Returns
    -------
    DataFrame
        - ``frequency`` (int64): number of repeat donations in 1996-2001 (0..6)
        - ``recency`` (int64): year (1..6) of the last repeat donation, 0 when none
        - ``n_periods`` (int64): number of donation opportunities (6)
        - ``weight`` (int64): number of donors with that pattern

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Shang, J. (2010). Customer-Base Analysis in a Discrete-Time
    Noncontractual Setting. Marketing Science 29(6), 1086-1108.
    """
    return pd.read_csv(data_file("donations.csv"), dtype="int64")


def load_fader_hardie_cohorts() -> pd.DataFrame:
    """Survivors of two cohorts of 1,000 subscribers over 12 years (Fader & Hardie 2007, Table 1).

    Returns
    -------
    DataFrame
        Index ``year`` (0..12); columns ``regular`` and ``high_end``: number of the cohort's
        1,000 customers still subscribed at the start of each year.

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2007). How to Project Customer Retention. Journal of
    Interactive Marketing 21(1), 76-90.
    """
    return pd.read_csv(data_file("fader_hardie_2007_cohorts.csv"), index_col="year", dtype="int64")


def load_satisfaction() -> pd.DataFrame:
    """Satisfaction survey of 250 customers of a bank, on the ECSI model's constructs.

    Columns ``imag1``-``imag5`` (image), ``expe1``-``expe5`` (expectations), ``qual1``-``qual5``
    (perceived quality), ``val1``-``val4`` (perceived value), ``sat1``-``sat4`` (satisfaction),
    ``loy1``-``loy4`` (loyalty), all on 0-10 scales (int64), and ``gender`` (category). The index
    ``respondent_id`` runs 1..250.

    References
    ----------
    Sanchez, G. (2013). PLS Path Modeling with R. Trowchez Editions (R package plspm, data
    ``satisfaction``).
    """
    frame = pd.read_csv(data_file("satisfaction.csv"), index_col=0)
    frame.index.name = "respondent_id"
    frame["gender"] = frame["gender"].astype("category")
    return frame


def load_mobi() -> pd.DataFrame:
    """The ECSI mobile-phone customer survey: 250 respondents, 1-10 scales.

    Columns ``CUEX1``-``CUEX3`` (expectation), ``CUSA1``-``CUSA3`` (satisfaction), ``CUSCO``
    (complaints), ``CUSL1``-``CUSL3`` (loyalty), ``IMAG1``-``IMAG5`` (image), ``PERQ1``-``PERQ7``
    (perceived quality), ``PERV1``-``PERV2`` (perceived value). Index ``respondent_id`` 1..250.

    References
    ----------
    Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M. and Lauro, C. (2005). PLS path modeling.
    Computational Statistics & Data Analysis 48, 159-205 (R package seminr, data ``mobi``).
    """
    frame = pd.read_csv(data_file("mobi.csv"), index_col=0)
    frame.index.name = "respondent_id"
    return frame


def load_wholesale() -> pd.DataFrame:
    """Annual spending of 440 clients of a Portuguese wholesale distributor on six categories.

    Columns ``Fresh``, ``Milk``, ``Grocery``, ``Frozen``, ``Detergents_Paper``, ``Delicassen``
    (annual spend, monetary units, int64), ``channel`` ("Horeca" or "Retail") and ``region``
    ("Lisbon", "Oporto" or "Other"). Index ``customer_id`` 1..440.

    References
    ----------
    Cardoso, M. G. M. S. (2014). Wholesale customers. UCI Machine Learning Repository, CC BY 4.0.
    """
    frame = pd.read_csv(data_file("wholesale_customers.csv"))
    frame["channel"] = frame.pop("Channel").map({1: "Horeca", 2: "Retail"}).astype("category")
    frame["region"] = (
        frame.pop("Region").map({1: "Lisbon", 2: "Oporto", 3: "Other"}).astype("category")
    )
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="customer_id")
    return frame
