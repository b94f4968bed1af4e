"""Notebook discovery and parameter validation, done before any kernel starts.

A notebook's parameters are the assignments of its first code cell tagged ``parameters``, written
in papermill's inspectable form, one literal a line with a type and a comment::

    horizon_weeks: int = 39  # holdout length in weeks

The cell is read with :mod:`ast` (not papermill's line regex, which drops any line whose comment
contains ``=``), so multi-line literals and any comment text work. Values given on the command line
are converted to the declared type; values from a YAML file or from Python must already have it
(an ``int`` is accepted for a ``float``). Every problem raises :class:`crmlab.errors.ParameterError`
with a one-line message naming the parameter, the notebook(s), the expected type and the valid
names.
"""

from __future__ import annotations

import ast
import datetime as _dt
import difflib
import io
import json
import math
import os
import re
import tokenize
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmlab.errors import ParameterError
from crmlab.report.paramfile import YamlRefused, safe_yaml
from crmlab.report.ranges import check_all

__all__ = [
    "NotebookInfo",
    "NotebookParameter",
    "convert_cli_value",
    "list_notebooks",
    "resolve_notebooks",
    "resolve_parameters",
]

_NOTEBOOK_NAME = re.compile(r"^\d{2}_[A-Za-z0-9_\-]+\.ipynb$")
_BOOL_WORDS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
_NULL_WORDS = {"None", "none", "null", "~"}
_INT_TEXT = re.compile(r"^[+-]?\d[\d_]*$")
_SIMPLE = {"int", "float", "bool", "str", "list", "dict", "tuple", "None", "any"}
_ALIASES = {
    "List": "list",
    "Dict": "dict",
    "Tuple": "tuple",
    "Sequence": "list",
    "Mapping": "dict",
    "NoneType": "None",
    "Any": "any",
}


# --------------------------------------------------------------------------------------------
# declared types
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Type:
    """One alternative of a declared type: a base name and its item types (``list[str]``)."""

    base: str  # int, float, bool, str, list, tuple, dict, None or any
    args: tuple[_Type, ...] = ()


def _parse_type(text: str | None, default: Any, has_default: bool) -> tuple[_Type, ...]:
    """The alternatives a declared annotation allows (``Optional[int]`` gives int and None)."""
    if not text:
        if has_default and default is not None:
            name = type(default).__name__
            return (_Type(name if name in _SIMPLE else "any"),)
        return (_Type("any"),)
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return (_Type("any"),)
    return _from_node(node)


def _from_node(node: ast.expr) -> tuple[_Type, ...]:
    if isinstance(node, ast.Constant) and node.value is None:
        return (_Type("None"),)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # "int" as a string
        try:
            return _from_node(ast.parse(node.value, mode="eval").body)
        except SyntaxError:
            return (_Type("any"),)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _from_node(node.left) + _from_node(node.right)
    if isinstance(node, ast.Name | ast.Attribute):
        name = node.id if isinstance(node, ast.Name) else node.attr
        name = _ALIASES.get(name, name)
        return (_Type(name if name in _SIMPLE else "any"),)
    if isinstance(node, ast.Subscript):
        head = node.value
        name = head.id if isinstance(head, ast.Name) else getattr(head, "attr", "")
        name = _ALIASES.get(name, name)
        inner = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if name == "Literal":
            kinds: list[str] = []
            for item in inner:
                kind = type(item.value).__name__ if isinstance(item, ast.Constant) else "any"
                kind = "None" if kind == "NoneType" else kind
                if kind not in kinds:
                    kinds.append(kind if kind in _SIMPLE else "any")
            return tuple(_Type(k) for k in kinds) or (_Type("any"),)
        if name == "Optional":
            return _from_node(inner[0]) + (_Type("None"),)
        if name == "Union":
            out: tuple[_Type, ...] = ()
            for item in inner:
                out += _from_node(item)
            return out
        if name in {"list", "tuple", "dict"}:
            args = tuple(_merge(_from_node(item)) for item in inner if not _is_ellipsis(item))
            return (_Type(name, args),)
        return (_Type("any"),)
    return (_Type("any"),)


def _literal_choices(text: str | None) -> tuple[Any, ...]:
    """The values of a ``Literal[...]`` annotation (``Optional[Literal[...]]`` adds None)."""
    if not text:
        return ()
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return ()
    found: list[Any] = []
    others = False
    for sub in _alternatives(node):
        if isinstance(sub, ast.Subscript) and _head(sub) == "Literal":
            inner = sub.slice.elts if isinstance(sub.slice, ast.Tuple) else [sub.slice]
            for item in inner:
                if isinstance(item, ast.Constant):
                    found.append(item.value)
        elif isinstance(sub, ast.Constant) and sub.value is None:
            found.append(None)
        else:
            others = True
    return () if others or not any(v is not None for v in found) else tuple(found)


def _head(node: ast.Subscript) -> str:
    head = node.value
    return head.id if isinstance(head, ast.Name) else getattr(head, "attr", "")


def _alternatives(node: ast.expr) -> list[ast.expr]:
    """The alternatives of ``A | B``, ``Optional[A]`` and ``Union[A, B]``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _alternatives(node.left) + _alternatives(node.right)
    if isinstance(node, ast.Subscript) and _head(node) in {"Optional", "Union"}:
        inner = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        out = [x for item in inner for x in _alternatives(item)]
        return out + ([ast.Constant(None)] if _head(node) == "Optional" else [])
    return [node]


def _is_ellipsis(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def _merge(options: tuple[_Type, ...]) -> _Type:
    """An item type: a single alternative, or ``any`` for unions inside containers."""
    return options[0] if len(options) == 1 else _Type("any")


# --------------------------------------------------------------------------------------------
# notebooks and their parameters
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NotebookParameter:
    """One parameter of a notebook's ``parameters`` cell.

    Attributes
    ----------
    name : str
        The variable name.
    type : str
        The annotation as written (``int``, ``list[str]``), or the default's type name when the
        line has no annotation, or ``""`` when neither says anything (any value is accepted).
    default : object
        The default value (a Python literal), ``None`` when it is not a literal.
    default_source : str
        The default as written in the cell.
    help : str
        The comment at the end of the line.
    literal : bool
        Whether the default is a Python literal.
    choices : tuple
        The allowed values of a ``Literal[...]`` annotation (empty when there is none).
    """

    name: str
    type: str
    default: Any
    default_source: str
    help: str
    literal: bool = True
    choices: tuple[Any, ...] = ()
    _types: tuple[_Type, ...] = field(default=(), repr=False, compare=False)

    @property
    def is_path(self) -> bool:
        """Whether the parameter names an input or output file (its name ends in ``_path``)."""
        return self.name.endswith("_path")


@dataclass(frozen=True)
class NotebookInfo:
    """A notebook the runner can execute.

    Attributes
    ----------
    stem : str
        File name without ``.ipynb`` (``00_customer_base``); what ``crmlab run`` takes.
    path : pathlib.Path
        The notebook file.
    title : str
        Text of the first markdown heading (the stem when there is none).
    parameters : tuple of NotebookParameter
        The parameters cell's entries, in order.
    """

    stem: str
    path: Path
    title: str
    parameters: tuple[NotebookParameter, ...]

    def parameter(self, name: str) -> NotebookParameter | None:
        """The parameter called ``name``, or None."""
        for p in self.parameters:
            if p.name == name:
                return p
        return None

    def defaults(self) -> dict[str, Any]:
        """Default values of every parameter, by name."""
        return {p.name: p.default for p in self.parameters}


def _cell_source(cell: Mapping[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _title(cells: Sequence[Mapping[str, Any]], stem: str) -> str:
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        for line in _cell_source(cell).splitlines():
            stripped = line.strip()
            if stripped.startswith("#"):
                text = stripped.lstrip("#").strip()
                if text:
                    return text
    return stem


def _comments_by_line(source: str) -> dict[int, str]:
    comments: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return comments


def _inspect_source(source: str) -> tuple[NotebookParameter, ...]:
    """Parameters of a parameters cell's source (see the module docstring for the form)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ()
    comments = _comments_by_line(source)
    params: list[NotebookParameter] = []
    for stmt in tree.body:
        annotation: str | None = None
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            if stmt.value is None:
                continue
            name, value = stmt.target.id, stmt.value
            annotation = ast.get_source_segment(source, stmt.annotation)
        elif (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            name, value = stmt.targets[0].id, stmt.value
        else:
            continue
        help_text = comments.get(stmt.end_lineno or stmt.lineno, "")
        if annotation is None and help_text.startswith("type:"):
            annotation, _, help_text = help_text[5:].strip().partition(" ")
            help_text = help_text.strip()
        default_source = ast.get_source_segment(source, value) or ""
        try:
            default, literal = ast.literal_eval(value), True
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            default, literal = None, False
        types = _parse_type(annotation, default, literal)
        shown = annotation or (types[0].base if types[0].base != "any" else "")
        params.append(
            NotebookParameter(
                name=name,
                type=shown,
                default=default,
                default_source=default_source,
                help=help_text,
                literal=literal,
                choices=_literal_choices(annotation),
                _types=types,
            )
        )
    return tuple(params)


def read_notebook_info(path: str | os.PathLike[str]) -> NotebookInfo:
    """Title and parameters of one notebook file (read as JSON; no kernel, no papermill).

    Parameters
    ----------
    path : str or path-like
        An ``.ipynb`` file.
    """
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        nb = json.load(fh)
    cells = nb.get("cells", [])
    params: tuple[NotebookParameter, ...] = ()
    for cell in cells:
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get(
            "tags", []
        ):
            params = _inspect_source(_cell_source(cell))
            break
    return NotebookInfo(
        stem=path.stem, path=path, title=_title(cells, path.stem), parameters=params
    )


def list_notebooks(notebooks_dir: str | os.PathLike[str] | None = None) -> list[NotebookInfo]:
    """The notebooks ``crmlab run`` can execute, in run order, with their parameters.

    Parameters
    ----------
    notebooks_dir : str or path-like, optional
        Folder of ``NN_*.ipynb`` notebooks; default :func:`crmlab._paths.notebooks_dir` (the
        checkout's ``notebooks/`` or the installed copy).

    Returns
    -------
    list of NotebookInfo
        Sorted by file name (``00_...`` first).

    Examples
    --------
    >>> from crmlab.report import list_notebooks
    >>> [(p.name, p.type, p.default) for p in list_notebooks()[0].parameters][:1]  # doctest: +SKIP
    [('transactions_path', 'str', '')]
    """
    if notebooks_dir is None:
        from crmlab._paths import notebooks_dir as _default_dir

        folder = _default_dir()
    else:
        folder = Path(notebooks_dir)
    if not folder.is_dir():
        raise ParameterError(
            f"notebooks folder {str(folder)!r} does not exist; pass an existing folder of "
            "NN_*.ipynb notebooks",
            parameter="notebooks_dir",
        )
    files = sorted(p for p in folder.iterdir() if p.is_file() and _NOTEBOOK_NAME.match(p.name))
    return [read_notebook_info(p) for p in files]


def resolve_notebooks(
    requested: Iterable[str] | None, available: Sequence[NotebookInfo]
) -> list[NotebookInfo]:
    """The notebooks named by stem or unique prefix (all of them when none are named).

    Raises
    ------
    crmlab.errors.ParameterError
        A name matches no notebook or several; the message lists the available stems.
    """
    stems = [nb.stem for nb in available]
    names = list(requested or [])
    if not names:
        if not available:
            raise ParameterError("no notebooks found (NN_*.ipynb)", parameter="notebook")
        return list(available)
    chosen: list[NotebookInfo] = []
    for raw in names:
        name = raw[:-6] if raw.endswith(".ipynb") else raw
        name = Path(name).name
        exact = [nb for nb in available if nb.stem == name]
        matches = exact or [nb for nb in available if nb.stem.startswith(name)]
        if len(matches) != 1:
            what = "matches several notebooks" if matches else "is not a notebook"
            raise ParameterError(
                f"{raw!r} {what}; available notebooks: {', '.join(stems) or '(none)'}",
                parameter="notebook",
            )
        if matches[0] not in chosen:
            chosen.append(matches[0])
    order = {stem: i for i, stem in enumerate(stems)}
    return sorted(chosen, key=lambda nb: order[nb.stem])


# --------------------------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------------------------
class _Mismatch(Exception):
    """A value that does not have the declared type (internal)."""


def _check(value: Any, t: _Type) -> Any:
    """``value`` as type ``t`` (int widened to float, tuple to list) or raise ``_Mismatch``."""
    base = t.base
    if base == "any":
        return _plain(value)
    if base == "None":
        if value is None:
            return None
        raise _Mismatch
    if base == "bool":
        if isinstance(value, bool):
            return value
        raise _Mismatch
    if base == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _Mismatch
    if base == "float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise _Mismatch
    if base == "str":
        if isinstance(value, str):
            return value
        raise _Mismatch
    if base in {"list", "tuple"}:
        if not isinstance(value, list | tuple):
            raise _Mismatch
        if not t.args:
            return [_plain(v) for v in value]
        if base == "tuple" and len(t.args) > 1:
            if len(t.args) != len(value):
                raise _Mismatch
            return [_check(v, a) for v, a in zip(value, t.args, strict=True)]
        return [_check(v, t.args[0]) for v in value]
    if base == "dict":
        if not isinstance(value, dict):
            raise _Mismatch
        key_t = t.args[0] if t.args else _Type("any")
        val_t = t.args[1] if len(t.args) > 1 else _Type("any")
        return {_check(k, key_t): _check(v, val_t) for k, v in value.items()}
    raise _Mismatch  # pragma: no cover - every base is handled above


def _plain(value: Any) -> Any:
    """A value papermill can write into a cell: None, bool, int, float, str, lists and dicts."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    raise _Mismatch


def _coerce(value: Any, types: tuple[_Type, ...]) -> Any:
    for t in types:
        try:
            return _check(value, t)
        except _Mismatch:
            continue
    raise _Mismatch


def convert_cli_value(text: str, types: tuple[_Type, ...]) -> Any:
    """Convert a command-line string to the declared type (see :func:`resolve_parameters`)."""
    for t in types:
        base = t.base
        if base == "None":
            if text in _NULL_WORDS:
                return None
            continue
        if base == "str":
            return text
        if base == "int":
            if _INT_TEXT.match(text.strip()):
                return int(text.strip())
            continue
        if base == "float":
            try:
                return float(text)
            except ValueError:
                continue
        if base == "bool":
            word = text.strip().lower()
            if word in _BOOL_WORDS:
                return _BOOL_WORDS[word]
            continue
        parsed = _load_text(text)
        if base == "any" and parsed is _UNPARSABLE:
            return text
        if parsed is _UNPARSABLE:
            continue
        try:
            return _check(parsed, t)
        except _Mismatch:
            continue
    raise _Mismatch


_UNPARSABLE = object()


def _load_text(text: str) -> Any:
    """A list/dict/scalar written as YAML or JSON on the command line (no aliases)."""
    try:
        return _dates_to_text(safe_yaml(text))
    except (YamlRefused, _yaml_error()):
        return _UNPARSABLE


def _yaml_error() -> type[Exception]:
    import yaml

    return yaml.YAMLError


def _dates_to_text(value: Any) -> Any:
    if isinstance(value, _dt.date | _dt.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_dates_to_text(v) for v in value]
    if isinstance(value, dict):
        return {_dates_to_text(k): _dates_to_text(v) for k, v in value.items()}
    return value


def _type_name(value: Any) -> str:
    if isinstance(value, _dt.date | _dt.datetime):
        return f"{type(value).__name__} (quote it in YAML to pass it as text)"
    if isinstance(value, float) and not math.isfinite(value):
        return "float"
    return type(value).__name__


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def resolve_parameters(
    notebooks: Sequence[NotebookInfo],
    overrides: Mapping[str, Any] | None = None,
    cli_values: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    available: Sequence[NotebookInfo] | None = None,
) -> dict[str, dict[str, Any]]:
    """Validate parameter overrides and convert them to each notebook's declared types.

    Parameters
    ----------
    notebooks : sequence of NotebookInfo
        The selected notebooks.
    overrides : mapping, optional
        Values that already have their type (from Python or a YAML file): ``{name: value}``
        applies to every selected notebook declaring ``name``; ``{stem: {name: value}}`` to one
        notebook only (and wins over the first form). ``int`` is accepted for ``float``.
    cli_values : mapping or sequence of (name, text), optional
        Values as typed on the command line, converted to the declared type: ``int``,
        ``float``, ``bool`` (``true/false/yes/no/1/0``), ``str`` as is, ``list``/``dict``
        parsed as YAML or JSON. They win over ``overrides``.
    available : sequence of NotebookInfo, optional
        Every notebook there is: a ``{stem: {...}}`` section for one of them that is not
        selected is ignored (one parameter file can serve runs of any subset).

    Returns
    -------
    dict
        ``{stem: {name: value}}``: the overrides each notebook receives (defaults are not
        repeated). Non-empty ``*_path`` strings are made absolute (relative to the current
        directory), because notebooks run in their report folder.

    Raises
    ------
    crmlab.errors.ParameterError
        A name no selected notebook declares, a value of the wrong type, outside its range
        (:mod:`crmlab.report.ranges`) or its ``Literal[...]`` choices, or a ``*_path`` naming a
        folder or a device; the one-line message names the parameter, the notebook(s), what is
        expected and what to do.
    """
    by_stem = {nb.stem: nb for nb in notebooks}
    stems = ", ".join(by_stem)
    result: dict[str, dict[str, Any]] = {nb.stem: {} for nb in notebooks}

    def valid_names(selection: Sequence[NotebookInfo]) -> list[str]:
        return sorted({p.name for nb in selection for p in nb.parameters})

    def unknown(name: str, selection: Sequence[NotebookInfo]) -> ParameterError:
        names = valid_names(selection)
        hint = difflib.get_close_matches(name, names, n=1)
        where = ", ".join(nb.stem for nb in selection)
        return ParameterError(
            f"unknown parameter {name!r}: no selected notebook ({where}) declares it"
            + (f" (did you mean {hint[0]!r}?)" if hint else "")
            + f"; valid parameters: {', '.join(names) or '(none)'}",
            parameter=name,
        )

    def apply(name: str, value: Any, selection: Sequence[NotebookInfo], from_cli: bool) -> None:
        targets = [(nb, nb.parameter(name)) for nb in selection]
        targets = [(nb, p) for nb, p in targets if p is not None]
        if not targets:
            raise unknown(name, selection)
        for nb, param in targets:
            try:
                converted = (
                    convert_cli_value(value, param._types)
                    if from_cli
                    else _coerce(value, param._types)
                )
            except _Mismatch:
                shown = repr(value) if from_cli else f"{_short(value)} ({_type_name(value)})"
                declared = [nb2.stem for nb2, p2 in targets if p2.type == param.type]
                raise ParameterError(
                    f"parameter {name!r} of notebook {', '.join(declared)} expects "
                    f"{param.type or 'a literal'}, got {shown}; valid parameters: "
                    f"{', '.join(valid_names(selection))}",
                    parameter=name,
                ) from None
            if param.is_path and isinstance(converted, str) and converted:
                converted = os.path.abspath(os.path.expanduser(converted))
            declaring = ", ".join(nb2.stem for nb2, _ in targets)
            check_all(name, converted, declaring, is_path=param.is_path, choices=param.choices)
            result[nb.stem][name] = converted

    overrides = dict(overrides or {})
    per_notebook = {k: v for k, v in overrides.items() if k in by_stem}
    others = {nb.stem for nb in available or ()} - set(by_stem)
    for name, value in overrides.items():
        if name in per_notebook or name in others:
            continue
        if not isinstance(name, str) or not name.isidentifier():
            if isinstance(value, Mapping):
                raise ParameterError(
                    f"{name!r} is not a notebook; selected notebooks: {stems}",
                    parameter=str(name),
                )
            raise unknown(str(name), list(notebooks))
        apply(name, value, list(notebooks), from_cli=False)
    for stem, values in per_notebook.items():
        if not isinstance(values, Mapping):
            raise ParameterError(
                f"parameters for notebook {stem} must be a mapping of name: value, "
                f"got {_short(values)}",
                parameter=stem,
            )
        for name, value in values.items():
            apply(str(name), value, [by_stem[stem]], from_cli=False)
    pairs = cli_values.items() if isinstance(cli_values, Mapping) else (cli_values or [])
    for name, text in pairs:
        apply(name, str(text), list(notebooks), from_cli=True)
    return result
