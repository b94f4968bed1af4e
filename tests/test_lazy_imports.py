"""Importing crmlab (and what every notebook's first cell imports) stays cheap.

A guard on what gets imported, not a timing: the heavy third-party packages are imported by the
functions that need them, never by ``import crmlab``. Each check runs in a fresh interpreter.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

HEAVY = ["statsmodels", "sklearn", "duckdb", "seaborn", "pyspark"]


def _imported_after(code: str) -> set[str]:
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    return {name.split(".")[0] for name in json.loads(out.strip().splitlines()[-1])}


@pytest.mark.parametrize(
    "code",
    [
        "import crmlab",
        "import crmlab.plots as cplots\ncplots.use_theme()",
        "from crmlab import inputs, profitability, rfm, text, datasets, segments",
        "from crmlab.datasets import load_wholesale, simulate_programme, load_mobi",
    ],
)
def test_heavy_packages_not_imported(code):
    loaded = _imported_after(code)
    assert not loaded & set(HEAVY), f"{code!r} imported {sorted(loaded & set(HEAVY))}"


def test_plain_import_loads_no_scipy_stats():
    script = "import crmlab, crmlab.plots, crmlab.inputs\nimport sys\nprint('scipy.stats' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.parametrize("package", ["crmlab.datasets", "crmlab.satisfaction"])
def test_lazy_tables_match_submodules(package):
    pkg = importlib.import_module(package)
    for module, names in pkg._SUBMODULES.items():
        sub = importlib.import_module(f"{package}.{module}")
        assert list(sub.__all__) == names, f"{package}.{module}"
        for name in names:
            assert getattr(pkg, name) is getattr(sub, name)
        if module not in names:  # satisfaction.reliability is the function, as before
            assert getattr(pkg, module) is sub
    assert sorted(pkg.__all__) == sorted(n for names in pkg._SUBMODULES.values() for n in names)
    with pytest.raises(AttributeError):
        _ = pkg.no_such_name


def test_star_import_gives_every_public_name():
    namespace: dict = {}
    exec("from crmlab.satisfaction import *\nfrom crmlab.datasets import *", namespace)
    import crmlab.datasets as ds
    import crmlab.satisfaction as sat

    assert set(sat.__all__) | set(ds.__all__) <= set(namespace)
