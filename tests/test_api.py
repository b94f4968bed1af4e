"""One API across the analysis packages, plots and simulators: ``alpha`` for intervals (the old
``level`` keyword deprecated), seeds that default to 0, and ``plot_*`` figure names."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

# The packages and modules this API covers (the estimation engine and CLV models have their own).
SCOPE = [
    "crmlab.value",
    "crmlab.satisfaction",
    "crmlab.profitability",
    "crmlab.segments",
    "crmlab.programmes",
    "crmlab.channels",
    "crmlab.plots",
    "crmlab.datasets",
    "crmlab.inputs",
]


def _modules():
    for name in SCOPE:
        module = importlib.import_module(name)
        yield module
        if hasattr(module, "__path__"):
            for info in pkgutil.iter_modules(module.__path__, prefix=f"{name}."):
                yield importlib.import_module(info.name)


def _public_callables():
    seen = set()
    for module in _modules():
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", "") != module.__name__:
                continue
            members = [(name, obj)]
            if inspect.isclass(obj):
                members = [
                    (f"{name}.{m}", f)
                    for m, f in vars(obj).items()
                    if inspect.isfunction(f) and not m.startswith("_")
                ]
            for qual, fn in members:
                if inspect.isfunction(fn) and (module.__name__, qual) not in seen:
                    seen.add((module.__name__, qual))
                    yield f"{module.__name__}.{qual}", fn


FUNCTIONS = dict(_public_callables())


def test_the_scope_is_found():
    assert "crmlab.programmes.effects.twfe" in FUNCTIONS
    assert "crmlab.satisfaction.pls.PLSPathModel.bootstrap" in FUNCTIONS
    assert "crmlab.datasets.simulate_clv.simulate_bgnbd" in FUNCTIONS
    assert len(FUNCTIONS) > 100


@pytest.mark.parametrize(
    "name", sorted(n for n, f in FUNCTIONS.items() if "seed" in inspect.signature(f).parameters)
)
def test_seeds_default_to_zero(name):
    assert inspect.signature(FUNCTIONS[name]).parameters["seed"].default == 0


def test_interval_arguments_are_alpha():
    """An interval level is ``alpha=0.05``; a float ``level``/``confidence_level``/``interval``
    survives only as a keyword-only deprecated alias defaulting to None."""
    offenders = []
    for name, fn in FUNCTIONS.items():
        params = inspect.signature(fn).parameters
        if "alpha" in params and params["alpha"].default is not inspect.Parameter.empty:
            if params["alpha"].default != 0.05:
                offenders.append(f"{name}: alpha={params['alpha'].default}")
        for old in ("level", "confidence_level", "interval"):
            p = params.get(old)
            if p is None or isinstance(p.default, str):  # a column name, e.g. level="category"
                continue
            if not (p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is None):
                offenders.append(f"{name}: {old}={p.default!r}")
    assert not offenders, offenders


def test_figures_are_named_plot_and_old_names_warn():
    import crmlab.plots as plots
    from crmlab.plots import portfolio

    figures = [n for n in plots.__all__ if n not in {"crmlab_theme", "use_theme", "PALETTE"}]
    assert figures and all(n.startswith("plot_") for n in figures), figures
    assert len(portfolio.RENAMED) == 9
    for old, new in portfolio.RENAMED.items():
        assert new in plots.__all__ and old not in plots.__all__
        for module in (plots, portfolio):
            with pytest.warns(DeprecationWarning, match=new):
                alias = getattr(module, old)
            assert alias is getattr(plots, new)
    with pytest.raises(AttributeError):
        plots.no_such_plot  # noqa: B018
