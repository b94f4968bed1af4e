"""Read and validate customer data: CSV or Parquet files (or DataFrames) with the user's names.

:func:`read_transactions` returns the transactions table every analysis takes (see the data
contract: ``customer_id``, ``date``, ``amount`` and optional ``quantity``, ``product``,
``category``, ``channel``). :func:`read_table` is the generic reader other modules build on
(surveys, ratings, subscriptions), and the ``check_*`` helpers validate one column, raising a
:class:`~crmlab.errors.DataError` that names the column, shows up to five offending rows with
their file line numbers and says what to do.

Where a row came from
---------------------
A frame read from a file keeps, in ``frame.attrs["crmlab_line_numbers"]``, a map from its index
labels to the file's line numbers (CSV: the header is line 1, so the first data row is line 2;
blank lines and line breaks inside quoted values are counted) or to 1-based Parquet row numbers.
``frame.attrs["crmlab_source"]`` holds the path and ``frame.attrs["crmlab_column_names"]`` the
user's names of renamed columns. pandas carries ``attrs`` through column selection, filtering and
sorting, so the ``check_*`` helpers can point at file lines later on. The map is keyed by index
label: keep the index you were given (filter, sort and select freely; ``reset_index`` would make
the labels point at the wrong lines). When the attrs are lost, messages show index labels.
:func:`line_numbers` returns the map as a Series. For a DataFrame source, rows are identified by
the DataFrame's index labels.

File rules
----------
- Formats by extension: ``.csv``, ``.txt``, ``.tsv`` (optionally compressed: ``.gz``, ``.bz2``,
  ``.xz``, ``.zip``) and ``.parquet``/``.pq``. Anything else raises a DataError.
- A missing file raises :class:`~crmlab.errors.DataError` (not ``FileNotFoundError``), like
  every other problem with the user's input, naming the path and similar file names nearby.
- Text is decoded as UTF-8 (with or without a byte-order mark; UTF-16 with a byte-order mark is
  recognised). There is no silent fallback to Latin-1: a file that is not UTF-8 raises a
  DataError naming the line and suggesting ``encoding="cp1252"`` or ``"latin-1"``.
- With ``sep=None`` the delimiter is sniffed among ``,`` ``;`` tab and ``|``: the one that splits
  the header into several fields and the first 50 lines into equally many fields wins (comma on
  ties; tab for ``.tsv`` files without a clear winner).
- CSV header names are stripped of surrounding spaces; the file itself is never modified.
- A plain UTF-8 CSV is parsed by pyarrow into native types; file line numbers are counted only
  when an error or a note shows rows. Anything unusual (another encoding, a line pyarrow cannot
  parse, repeated header names, ...) is read by pandas' careful path, with the same messages.

Reader options
--------------
Every reader takes ``read_options``, one dict of the options in :data:`READ_OPTIONS`
(``date_format``, ``dayfirst``, ``decimal``, ``thousands``, ``encoding``, ``sep``, ``returns``,
``duplicates``, ``zero_amounts``), validated by :func:`check_read_options`; the notebooks take the
same dict (``crmlab run -p read_options '{"date_format": "%Y%m%d"}'``). Messages that say
"pass X=..." spell the option for Python and for ``crmlab run`` (:func:`pass_hint`).
"""

from __future__ import annotations

from crmlab.io.options import (
    READ_OPTIONS,
    ReadOption,
    check_read_options,
    pass_hint,
    read_options_help,
)
from crmlab.io.tables import (
    check_in_range,
    check_not_null,
    check_numeric,
    line_numbers,
    map_columns,
    number_advice,
    read_table,
    require_columns,
    row_error,
    rows_error,
)
from crmlab.io.transactions_reader import (
    OPTIONAL_TRANSACTION_COLUMNS,
    REQUIRED_TRANSACTION_COLUMNS,
    RETURNS_ADVICE,
    ZERO_AMOUNTS_ADVICE,
    check_amounts,
    check_customer_ids,
    check_dates,
    check_returns,
    check_zero_amounts,
    date_advice,
    read_transactions,
)

__all__ = [
    "OPTIONAL_TRANSACTION_COLUMNS",
    "READ_OPTIONS",
    "RETURNS_ADVICE",
    "REQUIRED_TRANSACTION_COLUMNS",
    "ZERO_AMOUNTS_ADVICE",
    "ReadOption",
    "check_amounts",
    "check_customer_ids",
    "check_dates",
    "check_in_range",
    "check_not_null",
    "check_numeric",
    "check_read_options",
    "check_returns",
    "check_zero_amounts",
    "date_advice",
    "map_columns",
    "number_advice",
    "line_numbers",
    "pass_hint",
    "read_options_help",
    "read_table",
    "read_transactions",
    "require_columns",
    "row_error",
    "rows_error",
]
