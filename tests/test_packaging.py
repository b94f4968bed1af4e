"""Packaging: environment.yml in step with pyproject.toml, and the wheel works outside the checkout."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

# conda-forge names that differ from PyPI names (PyPI name -> conda name).
CONDA_NAMES: dict[str, str] = {"duckdb": "python-duckdb"}


def _split(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    assert match, requirement
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_environment_yml_matches_pyproject():
    project = _pyproject()["project"]
    wanted = dict(_split(r) for r in project["dependencies"])
    wanted.update(_split(r) for r in project["optional-dependencies"]["dev"])
    wanted = {CONDA_NAMES.get(k, k): v for k, v in wanted.items()}

    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda: dict[str, str] = {}
    pip_entries: list[str] = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_entries.extend(dep.get("pip", []))
            continue
        name, spec = _split(dep)
        if name not in {"python", "pip"}:
            conda[name] = spec
    for entry in pip_entries:
        if entry != "-e .":
            name, spec = _split(entry.split("#")[0])
            conda[name] = spec
    assert conda == wanted, (
        "environment.yml and pyproject.toml disagree: "
        f"only in environment.yml {sorted(set(conda) - set(wanted))}, "
        f"only in pyproject.toml {sorted(set(wanted) - set(conda))}, "
        f"different versions {sorted(k for k in conda.keys() & wanted.keys() if conda[k] != wanted[k])}"
    )
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert _split(python)[1] == project["requires-python"]
    assert "-e ." in pip_entries


def test_makefile_and_ci_use_readme_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make reports" in readme and "make test" in readme
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^reports:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
    )
    (found,) = out.glob("crmlab-*.whl")
    return found


def test_wheel_carries_notebooks_and_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        assert f"crmlab/_notebooks/{notebook.name}" in names
    for data in (ROOT / "data").iterdir():
        assert f"crmlab/_data/{data.name}" in names
    assert not any(n.startswith(("tests/", "notebooks/", "data/")) for n in names)


@pytest.mark.slow
def test_wheel_works_outside_the_checkout(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("CRMLAB_NOTEBOOKS_DIR", None)
    code = (
        "import crmlab, crmlab._paths as p, crmlab.datasets as d;"
        "print(crmlab.__file__); print(p.notebooks_dir()); print(p.data_dir());"
        "print(d.load_cdnow().shape)"
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True, check=True
    )
    lines = done.stdout.splitlines()
    assert lines[0].startswith(str(site))
    assert lines[1] == str(site / "crmlab" / "_notebooks")
    assert lines[2] == str(site / "crmlab" / "_data")
    assert lines[3] == "(6919, 4)"
    listed = subprocess.run(
        [sys.executable, "-m", "crmlab", "list"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "00_customer_base" in listed.stdout


# ------------------------------------------------------------------ declared dependencies
def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def third_party_imports(package: Path) -> dict[str, set[str]]:
    """Top-level modules imported anywhere under ``package`` (inside functions too), outside
    the standard library and the package itself, with the files that import each.

    Literal ``importlib.import_module("x")`` and ``importlib.util.find_spec("x")`` count.
    """
    found: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute | ast.Name)
                and getattr(node.func, "attr", getattr(node.func, "id", ""))
                in {"import_module", "find_spec"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                names = [node.args[0].value]
            for name in names:
                top = name.split(".")[0]
                if top and top != package.name and top not in sys.stdlib_module_names:
                    found.setdefault(top, set()).add(str(path.relative_to(package.parent)))
    return found


def undeclared(imports: dict[str, set[str]], declared: set[str]) -> dict[str, list[str]]:
    """Imported modules whose distribution (``packages_distributions``) is not declared."""
    dists = importlib.metadata.packages_distributions()
    missing = {}
    for module, files in imports.items():
        owners = {_normal(d) for d in dists.get(module, [module])}
        if not owners & declared:
            missing[module] = sorted(files)
    return missing


def _declared_at_runtime() -> set[str]:
    """The dependencies plus every optional extra except ``dev`` (test tools are no runtime)."""
    project = _pyproject()["project"]
    reqs = list(project["dependencies"])
    for extra, items in project["optional-dependencies"].items():
        if extra != "dev":
            reqs.extend(items)
    return {_normal(_split(r)[0]) for r in reqs}


def test_every_imported_third_party_module_is_declared():
    imports = third_party_imports(ROOT / "crmlab")
    assert {"numpy", "pandas", "sklearn", "threadpoolctl", "jupyter_client"} <= set(imports)
    missing = undeclared(imports, _declared_at_runtime())
    assert not missing, (
        "crmlab imports modules whose distributions pyproject.toml does not declare (add them "
        f"to [project] dependencies, or to an extra when optional): {missing}"
    )


def test_undeclared_import_check_catches_a_missing_dependency(tmp_path):
    pkg = tmp_path / "crmlab"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("import numpy\nfrom crmlab import sub\n", encoding="utf-8")
    (pkg / "sub" / "__init__.py").write_text(
        "import os\n\ndef f():\n    from sklearn.cluster import KMeans\n"
        "    import importlib.util\n    return importlib.util.find_spec('yaml'), KMeans\n",
        encoding="utf-8",
    )
    imports = third_party_imports(pkg)
    assert set(imports) == {"numpy", "sklearn", "yaml"}  # os is stdlib, crmlab is ours
    assert undeclared(imports, {"numpy", "pyyaml"}) == {"sklearn": ["crmlab/sub/__init__.py"]}
    assert undeclared(imports, {"numpy", "pyyaml", "scikit-learn"}) == {}
