"""SQL text shared by the DuckDB and Spark engines: the customer summary as one query.

The query reproduces :func:`crmlab.rfm.rfm_summary` step by step: transactions are cut to the
observation window and aggregated to customer-days (same-day purchases are one occasion whose
value is their sum), then to customers. Time is measured between calendar days in days, weeks
(days / 7) or fractional calendar months by the rule of
:func:`crmlab.transactions.months_between`, spelled
out with ``make_date`` and ``last_day`` so both engines compute the same IEEE numbers as numpy.
The two dialects differ only in identifier quoting, day differences and adding days to a date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from crmlab.errors import ParameterError

__all__ = [
    "DUCKDB",
    "SPARK",
    "Dialect",
    "contract_checks",
    "histogram_sql",
    "summary_sql",
    "typed_source",
]

REQUIRED = ("customer_id", "date", "amount")
SUMMARY_COLUMNS = ("frequency", "recency", "T", "monetary_value")
HOLDOUT_COLUMNS = ("frequency_holdout", "monetary_value_holdout", "duration_holdout")


@dataclass(frozen=True)
class Dialect:
    """How one engine spells the few non-portable pieces."""

    name: str
    quote_char: str

    def quote(self, identifier: str) -> str:
        q = self.quote_char
        return q + str(identifier).replace(q, q + q) + q

    def day_diff(self, start: str, end: str) -> str:
        """Whole days from ``start`` to ``end`` (both DATE expressions), an integer."""
        if self.name == "spark":
            return f"datediff({end}, {start})"
        return f"date_diff('day', {start}, {end})"

    def plus_days(self, date: str, days: str) -> str:
        if self.name == "spark":
            return f"date_add({date}, CAST({days} AS INT))"
        return f"CAST({date} + CAST({days} AS INTEGER) AS DATE)"

    def date_literal(self, stamp: pd.Timestamp) -> str:
        return f"DATE '{stamp.date().isoformat()}'"

    def text(self, expr: str) -> str:
        """``expr`` as trimmed text."""
        return f"trim(CAST({expr} AS {'STRING' if self.name == 'spark' else 'VARCHAR'}))"

    def parse_timestamp(self, expr: str) -> str:
        """ISO 8601 text -> TIMESTAMP (NULL when unreadable); offsets converted to UTC (DuckDB)
        or to the session time zone (Spark), as :func:`crmlab.io.read_transactions` does."""
        if self.name == "spark":
            return f"try_cast(trim({expr}) AS TIMESTAMP)"
        return f"CAST(try_cast(trim({expr}) AS TIMESTAMPTZ) AS TIMESTAMP)"

    def parse_double(self, expr: str) -> str:
        """Text -> DOUBLE (NULL when not a plain number)."""
        return f"try_cast(trim({expr}) AS DOUBLE)"

    def is_infinite(self, expr: str) -> str:
        if self.name == "spark":
            return f"({expr} = double('Infinity') OR {expr} = double('-Infinity'))"
        return f"isinf({expr})"

    def row_number(self) -> str:
        """1-based position of a row in the source's order."""
        if self.name == "spark":
            return "row_number() OVER (ORDER BY monotonically_increasing_id())"
        return "row_number() OVER ()"


DUCKDB = Dialect("duckdb", '"')
SPARK = Dialect("spark", "`")


def contract_checks(
    d: Dialect,
    names: Mapping[str, str],
    date_expr: str,
    amount_expr: str,
    typed: Sequence[str] = (),
) -> list[tuple[str, str, str, str, str | None]]:
    """The checks of :func:`crmlab.io.read_transactions` as SQL conditions, in its order.

    Each is ``(contract column, raw value, condition, problem, advice)``; ``advice`` None means
    "computed from the offending values" (dates: :func:`crmlab.io.date_advice`; amounts:
    :func:`crmlab.io.number_advice`). ``date_expr``/``amount_expr`` are the typed values.
    ``typed``: contract columns stored with a type that is not text (numbers, dates): they
    cannot be blank or unreadable, so only their missing values are looked for (no value is
    turned into text to check it).
    """
    cid, date, amount = (d.quote(names[c]) for c in REQUIRED)
    low, high = "TIMESTAMP '1677-09-22 00:00:00'", "TIMESTAMP '2262-04-12 00:00:00'"

    def blank(column: str, quoted: str) -> str:
        if column in typed:
            return f"({quoted} IS NULL)"
        return f"({quoted} IS NULL OR {d.text(quoted)} = '')"

    def unreadable(column: str, quoted: str, parsed: str) -> str:
        if column in typed:
            return "FALSE"
        return f"({quoted} IS NOT NULL AND {d.text(quoted)} <> '' AND {parsed} IS NULL)"

    return [
        (
            "customer_id",
            cid,
            blank("customer_id", cid),
            "missing customer ids",
            "Every transaction needs a customer id: fill them in or remove these rows.",
        ),
        (
            "date",
            date,
            unreadable("date", date, date_expr),
            "dates that cannot be read",
            None,
        ),
        (
            "date",
            date,
            f"({date_expr} IS NOT NULL AND ({date_expr} < {low} OR {date_expr} >= {high}))",
            "dates outside the years 1677-2262",
            "Fix these dates (a typo in the year?) or remove these rows.",
        ),
        (
            "date",
            date,
            blank("date", date),
            "missing dates",
            "Every transaction needs a date: fill them in or remove these rows.",
        ),
        (
            "amount",
            amount,
            unreadable("amount", amount, amount_expr),
            "amounts that are not numbers",
            None,
        ),
        (
            "amount",
            amount,
            blank("amount", amount),
            "missing amounts",
            "Every transaction needs an amount: fill them in (0 for free items) or remove "
            "these rows.",
        ),
        (
            "amount",
            amount,
            f"({d.is_infinite(amount_expr)})",
            "infinite amounts",
            "Fix these rows.",
        ),
    ]


def typed_source(
    d: Dialect, source: str, names: Mapping[str, str], date_expr: str, amount_expr: str
) -> str:
    """A subquery of ``source`` with the typed contract columns ``customer_id``, ``date``
    (TIMESTAMP) and ``amount`` (DOUBLE)."""
    cid = d.quote(names["customer_id"])
    return (
        f"(SELECT {cid} AS customer_id, {date_expr} AS {d.quote('date')}, "
        f"{amount_expr} AS amount FROM {source})"
    )


def _months(d: Dialect, start: str, end: str) -> str:
    """Fractional calendar months from ``start`` to ``end`` (crmlab.transactions.months_between)."""

    def add_months(m: str) -> str:
        total = f"(year({start}) * 12 + month({start}) - 1 + ({m}))"
        first = f"make_date(CAST(floor({total} / 12) AS INT), CAST({total} % 12 + 1 AS INT), 1)"
        day = f"least(dayofmonth({start}), dayofmonth(last_day({first})))"
        return d.plus_days(first, f"{day} - 1")

    m0 = f"((year({end}) - year({start})) * 12 + month({end}) - month({start}))"
    m = f"({m0} - CASE WHEN {add_months(m0)} > {end} THEN 1 ELSE 0 END)"
    anniversary = add_months(m)
    following = add_months(f"{m} + 1")
    return (
        f"(CAST({m} AS DOUBLE) + CAST({d.day_diff(anniversary, end)} AS DOUBLE) / "
        f"CAST({d.day_diff(anniversary, following)} AS DOUBLE))"
    )


def elapsed(d: Dialect, start: str, end: str, time_unit: str) -> str:
    """Time from ``start`` to ``end`` (DATE expressions) in ``time_unit``, a DOUBLE."""
    if time_unit == "M":
        return _months(d, start, end)
    days = f"CAST({d.day_diff(start, end)} AS DOUBLE)"
    return f"({days} / 7.0)" if time_unit == "W" else days


def summary_sql(
    d: Dialect,
    source: str,
    names: Mapping[str, str],
    time_unit: str,
    obs_end: pd.Timestamp,
    cal_end: pd.Timestamp | None,
    keep_excluded: bool = False,
) -> str:
    """The customer summary query.

    Columns: ``customer_id``, the four summary columns and, with ``cal_end``,
    ``frequency_holdout`` and ``monetary_value_holdout`` (``duration_holdout`` is a constant the
    caller adds). With ``keep_excluded`` the customers whose first purchase is in the holdout
    window are kept with NULL summary columns (so that the caller can count them); otherwise
    they are dropped. Rows are not ordered.
    """
    cid, date, amount = (d.quote(names[c]) for c in REQUIRED)
    obs = d.date_literal(obs_end)
    window = d.date_literal(cal_end if cal_end is not None else obs_end)
    out = [
        "WITH tx AS (",
        f"  SELECT {cid} AS customer_id, CAST({date} AS DATE) AS day, "
        f"CAST({amount} AS DOUBLE) AS amount",
        f"  FROM {source} WHERE CAST({date} AS DATE) <= {obs}",
        "), daily AS (",
        "  SELECT customer_id, day, SUM(amount) AS amount FROM tx GROUP BY customer_id, day",
        "), cal AS (",
        "  SELECT customer_id, MIN(day) AS first_day, MAX(day) AS last_day_, COUNT(*) AS n_days,",
        "         SUM(amount) AS total, min_by(amount, day) AS first_amount",
        f"  FROM daily WHERE day <= {window} GROUP BY customer_id",
        "), summary AS (",
        "  SELECT customer_id, CAST(n_days - 1 AS DOUBLE) AS frequency,",
        f"    {elapsed(d, 'first_day', 'last_day_', time_unit)} AS recency,",
        f"    {elapsed(d, 'first_day', window, time_unit)} AS {d.quote('T')},",
        "    CASE WHEN n_days > 1 THEN (total - first_amount) / CAST(n_days - 1 AS DOUBLE)",
        "         ELSE CAST(0 AS DOUBLE) END AS monetary_value",
        "  FROM cal",
        ")",
    ]
    if cal_end is None:
        out.append("SELECT * FROM summary")
        return "\n".join(out)
    join = "FULL OUTER JOIN" if keep_excluded else "LEFT JOIN"
    out[-1] = "), hold AS ("
    out += [
        "  SELECT customer_id, COUNT(*) AS n_hold, AVG(amount) AS mean_hold",
        f"  FROM daily WHERE day > {window} GROUP BY customer_id",
        ")",
        "SELECT COALESCE(s.customer_id, h.customer_id) AS customer_id, s.frequency, s.recency,",
        f"  s.{d.quote('T')}, s.monetary_value,",
        "  CASE WHEN s.customer_id IS NULL THEN NULL",
        "       ELSE CAST(COALESCE(h.n_hold, 0) AS DOUBLE) END AS frequency_holdout,",
        "  CASE WHEN s.customer_id IS NULL THEN NULL",
        "       ELSE COALESCE(h.mean_hold, CAST(0 AS DOUBLE)) END AS monetary_value_holdout",
        f"FROM summary s {join} hold h ON s.customer_id = h.customer_id",
    ]
    return "\n".join(out)


def histogram_sql(d: Dialect, summary: str, by: Sequence[str]) -> str:
    """Distinct rows of ``by`` in the summary query with their number of customers, ``weight``."""
    cols = ", ".join(d.quote(c) for c in by)
    return f"SELECT {cols}, CAST(COUNT(*) AS DOUBLE) AS weight FROM ({summary}) s GROUP BY {cols}"


def check_by(by: Sequence[str]) -> list[str]:
    """Validate the histogram columns."""
    allowed = SUMMARY_COLUMNS + HOLDOUT_COLUMNS[:2]
    by = [by] if isinstance(by, str) else list(by)
    bad = [c for c in by if c not in allowed]
    if bad or not by:
        raise ParameterError(
            f"by must name summary columns among {list(allowed)}, got {by!r}.", parameter="by"
        )
    return by
