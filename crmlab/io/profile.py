"""A transactions file at a glance: what ``crmlab check FILE`` prints.

:func:`guess_format` looks at the first lines of a CSV (delimiter, decimal mark, thousands
separator, date format, header) without the reader's options; :func:`profile_transactions` reads
the file with :func:`crmlab.io.read_transactions` (the same reader, options and messages as the
notebooks) and counts rows, customers, dates, amounts, returns, zero amounts and duplicates;
:func:`format_profile` writes both as text.
"""

from __future__ import annotations

import csv
import io as _io
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from crmlab import _validation as v
from crmlab.errors import CrmlabWarning
from crmlab.io._files import _DELIMITER_NAMES, _SAMPLE_BYTES, _sniff
from crmlab.io.options import check_read_options
from crmlab.io.transactions_reader import (
    COUNTS_ATTR,
    OPTIONAL_TRANSACTION_COLUMNS,
    REQUIRED_TRANSACTION_COLUMNS,
    read_transactions,
)

__all__ = ["FileGuess", "Profile", "format_profile", "guess_format", "profile_transactions"]

_CONTRACT = REQUIRED_TRANSACTION_COLUMNS + OPTIONAL_TRANSACTION_COLUMNS


@dataclass
class FileGuess:
    """What the first lines of a CSV suggest (None where they say nothing)."""

    delimiter: str | None = None
    decimal: str | None = None
    thousands: str | None = None
    date_format: str | None = None
    header: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    suggestions: dict[str, str] = field(default_factory=dict)

    def read_options(self) -> dict[str, Any]:
        """The reader options these guesses call for (only those differing from the defaults)."""
        out: dict[str, Any] = {}
        if self.date_format not in (None, "ISO 8601"):
            out["date_format"] = self.date_format
        if self.decimal not in (None, "."):
            out["decimal"] = self.decimal
        if self.thousands is not None:
            out["thousands"] = self.thousands
        return out


@dataclass
class Profile:
    """The result of :func:`profile_transactions`."""

    source: str
    guess: FileGuess
    rows: int
    customers: int
    first_date: pd.Timestamp
    last_date: pd.Timestamp
    total_amount: float
    counts: dict[str, int]
    notes: list[str]
    read_options: dict[str, Any]
    columns: dict[str, str]


def guess_format(
    source: Any, columns: Mapping[Any, str] | None = None, encoding: str | None = None
) -> FileGuess:
    """Guess delimiter, decimal mark, thousands separator and date format from a CSV's first
    lines, and how its header maps to the transaction columns (``columns`` first, then names
    crmlab's own or their known synonyms). Parquet files and DataFrames give the mapping only."""
    guess = FileGuess()
    mapping = dict(columns or {})
    if isinstance(source, pd.DataFrame):
        guess.header = [str(c) for c in source.columns]
        return _map_header(guess, mapping)
    path = Path(source)
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        try:
            import pyarrow.parquet as pq

            guess.header = list(pq.read_schema(path).names)
        except Exception:  # the reader reports the problem properly
            pass
        return _map_header(guess, mapping)
    try:
        with path.open("rb") as handle:
            head = handle.read(_SAMPLE_BYTES)
    except OSError:
        return guess
    if name.endswith((".gz", ".bz2", ".xz", ".zip")):
        return guess  # compressed: the reader's messages say what is wrong
    text = head.decode(encoding or "utf-8-sig", errors="replace")
    lines = [line for line in text.splitlines() if line.strip()]
    if len(head) == _SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]
    if not lines:
        return guess
    guess.delimiter = _sniff("\n".join(lines), "\t" if name.endswith(".tsv") else ",")
    try:
        rows = list(csv.reader(_io.StringIO("\n".join(lines)), delimiter=guess.delimiter))
    except csv.Error:
        return guess
    guess.header = [c.strip() for c in rows[0]]
    _map_header(guess, mapping)
    body = rows[1:]
    position = {name: i for i, name in enumerate(guess.header)}

    def values(target: str) -> list[str]:
        column = next((k for k, t in guess.mapping.items() if t == target), None)
        if column is None or column not in position:
            return []
        i = position[column]
        return [r[i].strip() for r in body if len(r) > i and r[i].strip()]

    numbers = values("amount") + values("quantity")
    guess.decimal, guess.thousands = _guess_numbers(numbers)
    guess.date_format = _guess_dates(values("date"))
    return guess


def _map_header(guess: FileGuess, mapping: dict[Any, str]) -> FileGuess:
    header = guess.header
    used = set()
    for key, target in mapping.items():
        if key in header:
            guess.mapping[key] = target
            used.add(target)
    for name in header:
        if name in _CONTRACT and name not in used and name not in guess.mapping:
            guess.mapping[name] = name
            used.add(name)
    free = [c for c in header if c not in guess.mapping]
    for target in _CONTRACT:
        if target in used:
            continue
        for candidate in v.close_matches(target, free, target=target):
            if candidate not in guess.suggestions:
                guess.suggestions[candidate] = target
                break
    return guess


def _guess_numbers(values: list[str]) -> tuple[str | None, str | None]:
    if not values:
        return None, None
    comma = sum(bool(re.fullmatch(r"[-+]?\d{1,3}(\.\d{3})*,\d+|[-+]?\d+,\d+", x)) for x in values)
    point = sum(bool(re.fullmatch(r"[-+]?\d{1,3}(,\d{3})*\.\d+|[-+]?\d+\.\d+", x)) for x in values)
    if comma > point:
        dotted = any(re.fullmatch(r"[-+]?\d{1,3}(\.\d{3})+,\d+", x) for x in values)
        return ",", "." if dotted else None
    grouped = any(re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", x) for x in values)
    return ".", "," if grouped else None


def _guess_dates(values: list[str]) -> str | None:
    if not values:
        return None
    sample = pd.Series(values[:200], dtype="str")
    iso = pd.to_datetime(sample, format="ISO8601", errors="coerce")
    if iso.notna().all() and not sample.str.fullmatch(r"\d{8}").all():
        return "ISO 8601"
    if sample.str.fullmatch(r"\d{8}").all():
        return "%Y%m%d"
    month_first = v.guess_format(values[0], dayfirst=False)
    day_first = v.guess_format(values[0], dayfirst=True)
    for fmt in dict.fromkeys(f for f in (month_first, day_first) if f):
        parsed = pd.to_datetime(sample, format=fmt, errors="coerce")
        if parsed.notna().all():
            other = day_first if fmt == month_first else month_first
            if other and other != fmt:
                if pd.to_datetime(sample, format=other, errors="coerce").notna().all():
                    return f"{fmt} or {other} (ambiguous)"
            return fmt
    return None


def profile_transactions(
    source: Any,
    columns: Mapping[Any, str] | None = None,
    read_options: Mapping[str, Any] | None = None,
) -> Profile:
    """Read ``source`` as the notebooks do and profile it.

    Raises the reader's :class:`~crmlab.errors.DataError` (the one a notebook would raise) or
    :class:`~crmlab.errors.ParameterError` for bad ``columns``/``read_options``. The reader's
    notes (:class:`~crmlab.errors.CrmlabWarning`) are collected in ``notes``, not raised.
    """
    options = check_read_options(read_options)
    guess = guess_format(source, columns, encoding=options.get("encoding"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CrmlabWarning)
        tx = read_transactions(source, columns, read_options=options)
    notes = [str(w.message) for w in caught if issubclass(w.category, CrmlabWarning)]
    names = tx.attrs.get(v.NAMES_ATTR) or {}
    mapped = {str(names.get(c, c)): c for c in tx.columns if c in _CONTRACT}
    return Profile(
        source=str(source) if not isinstance(source, pd.DataFrame) else "DataFrame",
        guess=guess,
        rows=len(tx),
        customers=int(tx["customer_id"].nunique()),
        first_date=tx["date"].min(),
        last_date=tx["date"].max(),
        total_amount=float(tx["amount"].sum()),
        counts=dict(tx.attrs.get(COUNTS_ATTR) or {}),
        notes=notes,
        read_options=options,
        columns=mapped,
    )


def _number(x: float) -> str:
    return f"{x:,.2f}" if x != int(x) else f"{int(x):,}"


def format_guess(guess: FileGuess) -> list[str]:
    """The guesses as lines of text."""
    lines = []
    if guess.delimiter is not None:
        name = _DELIMITER_NAMES.get(guess.delimiter, repr(guess.delimiter))
        parts = [f"delimiter {guess.delimiter!r} ({name})"]
        if guess.decimal is not None:
            parts.append(f"decimal mark {guess.decimal!r}")
        if guess.thousands is not None:
            parts.append(f"thousands separator {guess.thousands!r}")
        if guess.date_format is not None:
            parts.append(f"dates {guess.date_format}")
        lines.append("Guessed from the first lines: " + ", ".join(parts))
    if guess.header:
        lines.append(f"Columns found ({len(guess.header)}):")
        for name in guess.header:
            target = guess.mapping.get(name)
            if target is not None:
                lines.append(f"  {name!r} -> {target}")
            elif name in guess.suggestions:
                lines.append(
                    f"  {name!r}: not mapped (looks like {guess.suggestions[name]}; map it with "
                    f"columns {{{name!r}: {guess.suggestions[name]!r}}})"
                )
            else:
                lines.append(f"  {name!r}: kept as it is")
    return lines


def format_profile(profile: Profile) -> str:
    """The profile as the text ``crmlab check`` prints."""
    lines = [f"File: {profile.source}"]
    lines += format_guess(profile.guess)
    counts = profile.counts
    lines += [
        f"Rows: {profile.rows:,} transactions of {profile.customers:,} customers "
        f"({counts.get('rows_read', profile.rows):,} read)",
        f"Dates: {profile.first_date:%Y-%m-%d} to {profile.last_date:%Y-%m-%d}",
        f"Total amount: {_number(profile.total_amount)}",
    ]
    policy = {**{"returns": "error", "duplicates": "keep", "zero_amounts": "keep"}}
    policy.update({k: profile.read_options[k] for k in policy if k in profile.read_options})
    done = {"keep": "kept", "drop": "dropped", "error": "refused"}
    lines.append(
        f"Returns (negative amounts): {counts.get('returns', 0):,}"
        + (f" ({done[policy['returns']]})" if counts.get("returns") else "")
        + f"; zero amounts: {counts.get('zero_amounts', 0):,}"
        + (f" ({done[policy['zero_amounts']]})" if counts.get("zero_amounts") else "")
        + f"; duplicate rows: {counts.get('duplicates', 0):,}"
        + (f" ({done[policy['duplicates']]})" if counts.get("duplicates") else "")
    )
    if profile.notes:
        lines.append("Notes:")
        lines += [f"  - {note}" for note in profile.notes]
    lines.append("OK: the notebooks can read this file with")
    run = ["crmlab run", f"-p transactions_path {_quote(profile.source)}"]
    given = {k: t for k, t in profile.columns.items() if k != t}
    if given:
        run.append(f"-p columns {_quote(_json(given))}")
    if profile.read_options:
        run.append(f"-p read_options {_quote(_json(profile.read_options))}")
    lines.append("  " + " ".join(run))
    return "\n".join(lines) + "\n"


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def _quote(text: str) -> str:
    if re.fullmatch(r"[\w./:@%+=,-]+", text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"
