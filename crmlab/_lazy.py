"""Lazy package exports (PEP 562): a package's names load from their submodule on first use."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from importlib import import_module
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, submodules: Mapping[str, Sequence[str]]
) -> tuple[list[str], Callable[[str], Any], Callable[[], list[str]]]:
    """``(__all__, __getattr__, __dir__)`` for ``package``, whose public names are listed per
    submodule in ``submodules``.

    A name is imported from its submodule when first asked for and kept in the package's
    namespace; a submodule's own name gives the submodule, unless a function of the same name is
    exported (``crmlab.satisfaction.reliability`` is the function).
    """
    where = {name: module for module, names in submodules.items() for name in names}
    exported = [name for names in submodules.values() for name in names]

    def __getattr__(name: str) -> Any:
        if name in submodules and name not in where:
            return import_module(f"{package}.{name}")
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *exported, *submodules})

    return exported, __getattr__, __dir__
