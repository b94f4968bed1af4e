"""Parameter files: YAML read strictly, so that a careless or hostile file cannot hurt a run.

A parameter file holds a few ``name: value`` lines (or ``stem: {name: value}`` sections). It is
read as UTF-8 text (a byte order mark is accepted) of at most 1 MiB, with PyYAML's safe loader
minus anchors and aliases (a 371-byte alias "bomb" grows tenfold per level), with at most 50
levels of nesting, and with each name set once. Every refusal is a
:class:`crmlab.errors.ParameterError` naming the file and, where it helps, the line.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from crmlab.errors import ParameterError

__all__ = [
    "MAX_PARAMETER_FILE",
    "MAX_YAML_DEPTH",
    "YamlRefused",
    "load_parameter_file",
    "safe_yaml",
]


#: Largest parameter file read, in bytes: parameters are a few lines; this is not a data file.
MAX_PARAMETER_FILE = 1 << 20
#: Deepest nesting of lists and mappings accepted in YAML parameters.
MAX_YAML_DEPTH = 50


class YamlRefused(Exception):
    """YAML that is valid but refused: an alias or anchor, nesting too deep, a repeated key."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


@cache
def _loader() -> type:
    import yaml

    class _StrictLoader(yaml.SafeLoader):
        """SafeLoader without aliases (no "billion laughs"), depth-capped, keys unique."""

        _depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()
            line = event.start_mark.line + 1 if event.start_mark else None
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise YamlRefused(
                    "uses a YAML anchor or alias (&name / *name); write each value out in full",
                    line,
                )
            self._depth += 1
            try:
                if self._depth > MAX_YAML_DEPTH:
                    raise YamlRefused(f"nests deeper than {MAX_YAML_DEPTH} levels", line)
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    repeated = key in seen
                    seen.add(key)
                except TypeError:
                    continue
                if repeated:
                    raise YamlRefused(
                        f"sets {key!r} twice; keep one of the two lines",
                        key_node.start_mark.line + 1,
                    )
            return super().construct_mapping(node, deep=deep)

    return _StrictLoader


def safe_yaml(text: str) -> Any:
    """``yaml.safe_load`` without aliases, anchors, repeated keys or nesting beyond 50 levels.

    Raises ``YamlRefused`` (internal) or ``yaml.YAMLError``.
    """
    import yaml

    return yaml.load(text, Loader=_loader())


def load_parameter_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a YAML (or JSON) parameter file: a mapping of name: value and/or stem: {name: value}.

    The file must be UTF-8 text of at most 1 MiB, without YAML anchors or aliases (an alias
    "bomb" of a few hundred bytes expands a thousandfold per level), nesting at most 50 levels
    deep, and set no name twice; anything else raises :class:`crmlab.errors.ParameterError`
    naming the file (and line).
    """
    import yaml

    path = Path(path)
    shown = str(path)
    if path.is_dir():
        raise ParameterError(
            f"parameter file {shown!r} is a folder; pass a YAML file", parameter="params"
        )
    if os.path.lexists(path) and path.exists() and not path.is_file():
        raise ParameterError(
            f"parameter file {shown!r} is not a regular file (a device or a pipe); pass a YAML "
            "file",
            parameter="params",
        )
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_PARAMETER_FILE + 1)
    except OSError as exc:
        raise ParameterError(
            f"cannot read parameter file {shown!r}: {exc.strerror or exc}", parameter="params"
        ) from None
    if len(raw) > MAX_PARAMETER_FILE:
        raise ParameterError(
            f"parameter file {shown!r} is larger than {MAX_PARAMETER_FILE // 1024} KiB; a "
            "parameter file holds a few name: value lines (pass data files as *_path "
            "parameters)",
            parameter="params",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ParameterError(
            f"parameter file {shown!r} is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line "
            f"{line}); save it as UTF-8",
            parameter="params",
        ) from None
    try:
        data = safe_yaml(text)
    except YamlRefused as exc:
        where = f" (line {exc.line})" if exc.line is not None else ""
        raise ParameterError(f"parameter file {shown!r}{where} {exc}", parameter="params") from None
    except RecursionError:
        raise ParameterError(
            f"parameter file {shown!r} nests too deeply; write one 'name: value' a line",
            parameter="params",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ParameterError(
            f"parameter file {shown!r} is not valid YAML{where}; write one 'name: value' a line",
            parameter="params",
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParameterError(
            f"parameter file {shown!r} must hold a mapping of name: value, "
            f"not a {type(data).__name__}",
            parameter="params",
        )
    return data
