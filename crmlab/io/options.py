"""Reader options: one documented, validated set for every reader of :mod:`crmlab.io`.

:data:`READ_OPTIONS` lists each option once (name, default, allowed values, help, which readers
use it). Every reader (:func:`crmlab.io.read_transactions`, :func:`crmlab.io.read_table`,
:func:`crmlab.satisfaction.read_survey`, :func:`crmlab.value.read_ratings`) takes them as one
``read_options`` dict, and the notebooks take the same dict as their ``read_options`` parameter,
so ``crmlab run -p read_options '{"date_format": "%Y%m%d", "decimal": ","}'`` reaches the reader.
:func:`check_read_options` refuses unknown keys and wrong values before anything is read (the
runner calls it before any kernel starts). Options a reader has no use for are accepted and
ignored (one dict serves a notebook that reads several files): ``returns``, ``duplicates``,
``zero_amounts``, ``date_format`` and ``dayfirst`` are used by the transactions reader only.

:func:`pass_hint` spells the advice "pass X=..." of every error message so that it can be
followed in Python and from ``crmlab run``.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from crmlab._validation import pass_hint
from crmlab.errors import ParameterError

__all__ = ["READ_OPTIONS", "ReadOption", "check_read_options", "pass_hint", "read_options_help"]


@dataclass(frozen=True)
class ReadOption:
    """One reader option: its name, default, allowed values (in words), help and validator."""

    name: str
    default: Any
    allowed: str
    help: str
    readers: str
    valid: Callable[[Any], bool]


def _char(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 1 and not value.isalnum()


def _date_format(value: Any) -> bool:
    if value is None or value in ("ISO8601", "mixed"):  # pandas' named formats
        return True
    if not isinstance(value, str) or "%" not in value:
        return False
    try:
        import datetime as _dt

        _dt.datetime(2001, 2, 3, 4, 5, 6).strftime(value)
    except ValueError:
        return False
    return True


def _encoding(value: Any) -> bool:
    if value is None:
        return True
    if not isinstance(value, str) or not value:
        return False
    try:
        codecs.lookup(value)
    except LookupError:
        return False
    return True


def _choice(*choices: str) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, str) and value in choices


READ_OPTIONS: dict[str, ReadOption] = {
    option.name: option
    for option in (
        ReadOption(
            "date_format",
            None,
            "a strftime format such as '%Y%m%d', '%d.%m.%Y' or '%m/%d/%Y' ('ISO8601' and 'mixed' "
            "as in pandas), or null for ISO 8601",
            "format of the dates; '%Y%m%d' also reads numbers such as 19970131",
            "transactions",
            _date_format,
        ),
        ReadOption(
            "dayfirst",
            False,
            "true or false",
            "read dates that are not ISO 8601 day first (31/01/1997)",
            "transactions",
            lambda value: isinstance(value, bool),
        ),
        ReadOption(
            "decimal",
            ".",
            "one character, usually '.' or ','",
            "decimal mark of the numbers (',' reads 12,50)",
            "all",
            _char,
        ),
        ReadOption(
            "thousands",
            None,
            "one character such as '.', ',' or ' ', or null",
            "thousands separator of the numbers ('.' reads 1.234,50 with decimal ',')",
            "all",
            lambda value: value is None or _char(value),
        ),
        ReadOption(
            "encoding",
            None,
            "a text encoding such as 'utf-8', 'cp1252' or 'latin-1', or null for UTF-8",
            "text encoding of a CSV file",
            "all",
            _encoding,
        ),
        ReadOption(
            "sep",
            None,
            "one character such as ',', ';', '\\t' or '|', or null to detect it",
            "delimiter of a CSV file",
            "all",
            lambda value: value is None or _char(value) or value == "\t",
        ),
        ReadOption(
            "returns",
            "error",
            "'error', 'keep' or 'drop'",
            "negative amounts (returns): refuse them, keep them, or drop them (counted note)",
            "transactions",
            _choice("error", "keep", "drop"),
        ),
        ReadOption(
            "duplicates",
            "keep",
            "'keep' or 'drop'",
            "rows repeating an earlier row exactly: keep or drop them (counted note)",
            "transactions",
            _choice("keep", "drop"),
        ),
        ReadOption(
            "zero_amounts",
            "keep",
            "'keep', 'drop' or 'error'",
            "transactions with amount 0: keep them, drop them (counted note) or refuse them",
            "transactions",
            _choice("keep", "drop", "error"),
        ),
    )
}


def check_read_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validate a ``read_options`` dict; return it as a plain dict (only the keys given).

    Raises
    ------
    ParameterError
        ``options`` is not a mapping, a key is not a reader option (naming the valid ones and a
        close match), a value is not allowed (naming the key and the allowed values), or two
        options clash (``decimal`` equal to ``sep`` or ``thousands``). ``.parameter`` is
        ``"read_options"``.

    Examples
    --------
    >>> from crmlab.io import check_read_options
    >>> check_read_options({"date_format": "%Y%m%d", "decimal": ","})
    {'date_format': '%Y%m%d', 'decimal': ','}
    >>> try:
    ...     check_read_options({"datefmt": "%Y"})
    ... except ValueError as err:
    ...     print(str(err).split(";")[0])
    read_options: unknown key 'datefmt'
    """
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise ParameterError(
            "read_options must be a dict of reader options, e.g. {'date_format': '%Y%m%d', "
            f"'decimal': ','}}; got {type(options).__name__} {options!r}. Valid keys: "
            f"{', '.join(READ_OPTIONS)}.",
            parameter="read_options",
        )
    out = dict(options)
    for key, value in out.items():
        option = READ_OPTIONS.get(key) if isinstance(key, str) else None
        if option is None:
            import difflib

            close = difflib.get_close_matches(str(key), list(READ_OPTIONS), n=1, cutoff=0.5)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ParameterError(
                f"read_options: unknown key {key!r}{hint}; valid keys: {', '.join(READ_OPTIONS)}",
                parameter="read_options",
            )
        if not option.valid(value):
            raise ParameterError(
                f"read_options: {key}={value!r} is not allowed; {key} must be {option.allowed}",
                parameter="read_options",
            )
    decimal = out.get("decimal", ".")
    for other in ("sep", "thousands"):
        if out.get(other) is not None and out[other] == decimal:
            raise ParameterError(
                f"read_options: {other}={out[other]!r} is also the decimal mark "
                f"(decimal={decimal!r}); files with decimal commas are usually separated by "
                "';' (sep ';') and group thousands with '.' (thousands '.')",
                parameter="read_options",
            )
    return out


def merge_read_options(read_options: Mapping[str, Any] | None, **given: Any) -> dict[str, Any]:
    """Every option's value: ``read_options`` (checked) over the keyword arguments ``given``
    (those that differ from their defaults win over nothing: keywords are the fallback)."""
    checked = check_read_options(read_options)
    values = {name: option.default for name, option in READ_OPTIONS.items()}
    for name, value in given.items():
        if name in values:
            values[name] = value
    values.update(checked)
    return values


def read_options_help() -> str:
    """One line per option (name, default, allowed values, help), for ``--help`` texts."""
    return "\n".join(
        f"{o.name} (default {json.dumps(o.default)}): {o.help}; {o.allowed}"
        for o in READ_OPTIONS.values()
    )
