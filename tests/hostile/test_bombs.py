"""Class 8 of issue 12, resource bombs: nothing a user passes makes a run expand, walk or hang.

YAML aliases and anchors are refused (an alias "bomb" of a few hundred bytes expands a
thousandfold per level), as are nesting beyond 50 levels, repeated keys and parameter files over
1 MiB. A ``*_path`` naming a folder, a device or a pipe is refused before any kernel starts; a
glob of files stays allowed and the manifest hashes exactly the files it matches.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlab.cli import main
from crmlab.errors import ParameterError
from crmlab.report import load_parameter_file, run_notebooks
from crmlab.report.manifest import input_files

from ._runner import HOSTILE, no_kernel

__all__ = ["no_kernel"]

#: The classic "billion laughs": nine levels, each ten aliases of the one before (371 bytes).
ALIAS_BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)


def _cli(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main([*args, "--notebooks-dir", str(HOSTILE)])
    return code, err.getvalue()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ALIAS_BOMB, "anchor or alias"),
        ("base: &base {seconds: 1}\n00_sleep:\n  <<: *base\n", "anchor or alias"),
        ("seconds: &s 1\n", "anchor or alias"),
        ("beacon: " + "[" * 60 + "]" * 60 + "\n", "nests deeper than 50"),
        ("seconds: 1\nseconds: 2\n", "sets 'seconds' twice"),
        ("00_sleep: {seconds: 1, seconds: 2}\n", "sets 'seconds' twice"),
    ],
    ids=["billion-laughs", "merge-key", "anchor", "deep", "repeated", "repeated-in-section"],
)
def test_hostile_yaml_is_refused_with_its_line(tmp_path, text, expected, no_kernel):
    params = tmp_path / "p.yaml"
    params.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError, match=expected) as info:
        load_parameter_file(params)
    assert "p.yaml" in str(info.value) and "(line " in str(info.value)
    code, err = _cli("run", "--params", str(params))
    assert code == 2 and err.count("\n") == 1 and expected in err


def test_an_alias_bomb_on_the_command_line_is_not_expanded(tmp_path, no_kernel):
    code, err = _cli("run", "-p", "beacon", ALIAS_BOMB.replace("\n", "; "), "--dry-run", "-q",
                     "--out", str(tmp_path / "o"))  # fmt: skip
    assert code == 0  # a str parameter takes the text as typed
    nb = json.loads((tmp_path / "o" / "00_sleep.ipynb").read_text(encoding="utf-8"))
    injected = "".join(nb["cells"][2]["source"])
    assert "*a,*a" in injected and "lol', 'lol" not in injected


def test_a_huge_parameter_file_is_refused_without_reading_it_all(tmp_path, no_kernel):
    params = tmp_path / "p.yaml"
    with params.open("w", encoding="utf-8") as fh:
        fh.write("seconds: 1\n")
        fh.write("# padding\n" * 120_000)
    with pytest.raises(ParameterError, match="larger than 1024 KiB"):
        load_parameter_file(params)


@pytest.mark.parametrize("kind", ["folder", "root", "link-to-folder", "params-folder"])
def test_a_folder_where_a_file_is_expected_is_refused(tmp_path, kind, no_kernel):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "a.csv").write_text("x", encoding="utf-8")
    target = {"folder": str(folder), "root": "/", "link-to-folder": str(tmp_path / "ln")}.get(
        kind, str(folder)
    )
    if kind == "link-to-folder":
        (tmp_path / "ln").symlink_to(folder)
    args = ["--params", target] if kind == "params-folder" else ["-p", "data_path", target]
    code, err = _cli("run", *args)
    assert code == 2 and err.count("\n") == 1, err
    assert "folder" in err
    if kind != "params-folder":
        assert "parameter 'data_path' of notebook 00_sleep names a folder" in err
        assert "*.csv" in err  # what to do instead


@pytest.mark.parametrize("kind", ["device", "fifo", "broken-link"])
def test_a_device_or_pipe_where_a_file_is_expected_is_refused(tmp_path, kind, no_kernel):
    if kind == "device":
        target = "/dev/zero"  # hashing it would never end
    elif kind == "fifo":
        target = str(tmp_path / "pipe")
        os.mkfifo(target)  # opening it would block forever
    else:
        target = str(tmp_path / "gone.csv")
        os.symlink(tmp_path / "nowhere.csv", target)
    code, err = _cli("run", "-p", "data_path", target)
    assert code == 2 and "not a regular file" in err and err.count("\n") == 1
    if kind != "broken-link":
        code, err = _cli("run", "--params", target)
        assert code == 2 and "not a regular file" in err


def test_a_recursive_pattern_is_refused(tmp_path, no_kernel):
    code, err = _cli("run", "-p", "data_path", "/**/*.csv")
    assert code == 2 and "'**'" in err and "orders/*.csv" in err


def test_a_glob_of_files_is_hashed_file_by_file_and_a_folder_never_walked(tmp_path, no_kernel):
    data = tmp_path / "orders"
    (data / "2025").mkdir(parents=True)
    for name in ("2026-01.csv", "2026-02.csv", ".2026-hidden.csv"):
        (data / name).write_text(name, encoding="utf-8")
    (data / "2025" / "2025-12.csv").write_text("older", encoding="utf-8")
    (data / "2026-dir.csv").mkdir()  # a folder matching the pattern is not a file
    (data / "notes.txt").write_text("not matched", encoding="utf-8")
    result = run_notebooks(
        ["00"],
        {"data_path": str(data / "2026-*.csv")},
        out=tmp_path / "o",
        notebooks_dir=HOSTILE,
        progress=False,
        dry_run=True,
    )
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    files = manifest["notebooks"][0]["inputs"]["files"]
    # the files read_transactions reads for that pattern (pathlib's glob, hidden files included)
    assert [Path(f["path"]).name for f in files] == ["2026-01.csv", "2026-02.csv"]
    result = run_notebooks(
        ["00"],
        {"data_path": str(data / "*2026-*.csv")},
        out=tmp_path / "o",
        notebooks_dir=HOSTILE,
        progress=False,
        dry_run=True,
    )
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    names = [Path(f["path"]).name for f in manifest["notebooks"][0]["inputs"]["files"]]
    assert names == [".2026-hidden.csv", "2026-01.csv", "2026-02.csv"]
    # the manifest's expansion never walks a folder, whoever calls it
    record = input_files({"data_path": str(data)}, ["data_path"], [])
    assert record["files"] == [{"parameter": "data_path", "path": str(data), "missing": True}]
    assert input_files({"data_path": "/dev/zero"}, ["data_path"], [])["files"][0]["missing"]


PLAIN = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(value=st.dictionaries(st.text(min_size=1, max_size=8), PLAIN, max_size=5))
def test_the_strict_loader_reads_every_plain_parameter_file(value):
    """Without anchors, deep nesting or repeated keys, nothing is refused or read differently."""
    import yaml

    from crmlab.report.paramfile import safe_yaml

    text = yaml.safe_dump(value, allow_unicode=True)
    assert safe_yaml(text) == yaml.safe_load(text)  # same values as PyYAML's safe loader
