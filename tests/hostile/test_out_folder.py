"""Class 2 of issue 12, data loss through ``--out``: crmlab replaces only its own run folders.

A run folder is crmlab's when its ``.crmlab-run`` marker lists every file in it, unchanged; any
other non-empty folder is refused with one line (exit 2) before a kernel starts, and its bytes
stay as they were. An input inside ``--out`` is refused too, and inputs are never changed.
"""

from __future__ import annotations

import json
import os
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmlab.cli import main
from crmlab.errors import ParameterError
from crmlab.report import run_notebooks
from crmlab.report.runfolder import (
    MARKER,
    check_destination,
    remove_run_folder,
    write_marker,
)

from ._runner import FIXTURES, HOSTILE, crmlab_cmd, no_kernel, snapshot

__all__ = ["no_kernel"]


def _run(out: Path, *args: str, notebooks: Path = HOSTILE) -> tuple[int, str]:
    """``crmlab run --dry-run`` in-process (no kernel): exit code and stderr."""
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(
            ["run", "00", "--dry-run", "-q", "--out", str(out), "--notebooks-dir", str(notebooks)]
            + list(args)
        )
    return code, err.getvalue()


def _previous_run(folder: Path, files: dict[str, str]) -> None:
    """A folder as a previous crmlab run left it: these files, and the marker listing them."""
    folder.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    write_marker(folder, "20260101-000000")


USER_CONTENT = {
    "a manifest.json and the user's thesis": {"manifest.json": "{}", "thesis.docx": "precious"},
    "a report-like name": {"index.html": "<p>my own page</p>"},
    "a hidden file": {".env": "SECRET=1"},
    "a nested file": {"notes/2026/q1.txt": "plans"},
    "a marker-like name in a subfolder": {f"sub/{MARKER}": "{}", "sub/data.csv": "1,2"},
}


@pytest.mark.parametrize("files", USER_CONTENT.values(), ids=list(USER_CONTENT))
def test_a_folder_crmlab_did_not_mark_is_never_replaced(tmp_path, files, no_kernel):
    out = tmp_path / "out"
    for rel, text in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text, encoding="utf-8")
    before = snapshot(tmp_path)
    code, err = _run(out)
    assert code == 2
    assert err.count("\n") == 1 and "not a crmlab run folder" in err and "Traceback" not in err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "extra",
    ["notes.txt", ".hidden", "exports/mine.xlsx", "empty_folder/", "link"],
)
def test_a_run_folder_holding_anything_else_is_never_replaced(tmp_path, extra, no_kernel):
    out = tmp_path / "out"
    _previous_run(out, {"index.html": "old", "manifest.json": "{}", "exports/a.csv": "x"})
    if extra == "link":
        (out / "link").symlink_to(tmp_path)
    elif extra.endswith("/"):
        (out / extra).mkdir()
    else:
        (out / extra).parent.mkdir(parents=True, exist_ok=True)
        (out / extra).write_text("the user's", encoding="utf-8")
    before = snapshot(tmp_path)
    code, err = _run(out)
    assert code == 2, err
    assert "holds files crmlab did not write" in err and extra.rstrip("/") in err
    assert err.count("\n") == 1
    assert snapshot(tmp_path) == before


def test_a_report_the_user_edited_is_not_replaced(tmp_path, no_kernel):
    out = tmp_path / "out"
    _previous_run(out, {"index.html": "old", "manifest.json": "{}"})
    (out / "index.html").write_text("old, with the consultant's notes", encoding="utf-8")
    before = snapshot(tmp_path)
    code, err = _run(out)
    assert code == 2 and "index.html (changed since crmlab wrote it)" in err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "marker",
    ["not json", "[]", '{"crmlab_run": 1}', '{"files": {}}', "DIR", "LINK"],
)
def test_a_broken_or_forged_marker_does_not_make_a_run_folder(tmp_path, marker, no_kernel):
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.docx").write_text("precious", encoding="utf-8")
    if marker == "DIR":
        (out / MARKER).mkdir()
    elif marker == "LINK":
        real = tmp_path / "elsewhere"
        _previous_run(real, {})
        (out / MARKER).symlink_to(real / MARKER)
    else:
        (out / MARKER).write_text(marker, encoding="utf-8")
    before = snapshot(tmp_path)
    code, err = _run(out)
    assert code == 2 and err.count("\n") == 1
    assert snapshot(tmp_path) == before


def test_a_previous_run_folder_is_replaced_and_only_its_files_go(tmp_path, no_kernel):
    out = tmp_path / "out"
    _previous_run(out, {"old.html": "old", "exports/old.csv": "x", "manifest.json": "{}"})
    code, err = _run(out)
    assert code == 0, err
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    assert names == [MARKER, "00_sleep.ipynb", "index.html", "manifest.json"]
    marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    assert sorted(marker["files"]) == ["00_sleep.ipynb", "index.html", "manifest.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary, no lock left
    # and the new run folder is itself replaceable
    assert _run(out)[0] == 0


def test_an_input_inside_out_is_refused_and_kept(tmp_path, no_kernel):
    out = tmp_path / "out"
    _previous_run(out, {"exports/customers.csv": "id\n1\n", "params.yaml": "seconds: 0\n"})
    link = tmp_path / "looks_outside.csv"
    link.symlink_to(out / "exports" / "customers.csv")
    before = snapshot(tmp_path)
    cases = [
        ["-p", "data_path", str(out / "exports" / "customers.csv")],
        ["-p", "data_path", str(out / "exports" / "*.csv")],
        ["-p", "data_path", str(link)],
        ["--params", str(out / "params.yaml")],
    ]
    for args in cases:
        code, err = _run(out, *args)
        assert code == 2, (args, err)
        assert "lies inside --out" in err and err.count("\n") == 1, err
        assert snapshot(tmp_path) == before


def test_notebooks_inside_out_are_refused(tmp_path, no_kernel):
    out = tmp_path / "out"
    _previous_run(out, {"00_sleep.ipynb": (HOSTILE / "00_sleep.ipynb").read_text("utf-8")})
    before = snapshot(tmp_path)
    code, err = _run(out, notebooks=out)
    assert code == 2 and "notebook 00_sleep" in err and "lies inside --out" in err
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------------------------------------------
# properties: whatever the tree, a foreign entry is refused and never deleted
# ------------------------------------------------------------------------------------------------
NAMES = st.text(alphabet=string.ascii_letters + string.digits + "._- ", min_size=1, max_size=8)
TREES = st.lists(
    st.lists(NAMES.filter(lambda n: n not in {".", ".."}), min_size=1, max_size=3).map("/".join),
    min_size=1,
    max_size=6,
    unique=True,
)


def _make_tree(root: Path, paths: list[str]) -> list[str]:
    made = []
    for rel in paths:
        path = root / rel
        if any(p.is_file() for p in path.parents if root in p.parents) or path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rel, encoding="utf-8")
        made.append(rel)
    return made


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ours=TREES, theirs=TREES)
def test_foreign_files_are_refused_and_survive_removal(tmp_path_factory, ours, theirs):
    root = tmp_path_factory.mktemp("tree")
    folder = root / "run"
    folder.mkdir()
    mine = _make_tree(folder, ours)
    write_marker(folder, "r")
    foreign = _make_tree(folder, theirs)
    if foreign:
        with pytest.raises(ParameterError, match="holds files crmlab did not write"):
            check_destination(folder)
    else:
        check_destination(folder)
    with pytest.warns(UserWarning) if foreign else _nothing():
        gone = remove_run_folder(folder)
    assert gone == (not foreign)
    for rel in foreign:
        assert (folder / rel).read_text(encoding="utf-8") == rel
    for rel in mine:
        assert not (folder / rel).exists()


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# ------------------------------------------------------------------------------------------------
# real runs: inputs are never modified, a used run folder is replaced, a user's file stops it
# ------------------------------------------------------------------------------------------------
def test_real_runs_keep_inputs_and_the_users_files(tmp_path):
    data = tmp_path / "data.csv"
    data.write_bytes(b"customer_id,date,amount\n1,2020-01-01,9.5\n")
    os.utime(data, (1_000_000_000, 1_000_000_000))
    stat = data.stat()
    out = tmp_path / "client"
    for _ in range(2):  # the second run replaces the first
        proc = crmlab_cmd(
            "run", "00", "-q", "-p", "data_path", "data.csv", "--out", "client", cwd=tmp_path
        )
        assert proc.returncode == 0, proc.stderr
        assert (out / "00_sleep.client.html").is_file()
    assert data.read_bytes() == b"customer_id,date,amount\n1,2020-01-01,9.5\n"
    assert (data.stat().st_mtime, data.stat().st_size) == (stat.st_mtime, stat.st_size)
    (out / "notes.txt").write_text("call the client", encoding="utf-8")
    before = snapshot(tmp_path)
    proc = crmlab_cmd("run", "00", "-q", "--out", "client", cwd=tmp_path)
    assert proc.returncode == 2 and "notes.txt" in proc.stderr and proc.stderr.count("\n") == 1
    assert snapshot(tmp_path) == before


def test_the_fixture_notebooks_of_the_main_suite_run_into_a_marked_folder(tmp_path):
    result = run_notebooks(["00"], out=tmp_path / "r", notebooks_dir=FIXTURES, progress=False)
    marker = json.loads((result.run_dir / MARKER).read_text(encoding="utf-8"))
    assert marker["run_id"] == result.run_id
    assert set(marker["files"]) == {p.name for p in result.run_dir.iterdir()} - {MARKER}


@pytest.mark.parametrize("kind", ["file", "link-to-run", "dangling-link"])
def test_out_that_is_not_a_folder_is_refused(tmp_path, kind, no_kernel):
    out = tmp_path / "out"
    if kind == "file":
        out.write_text("a file", encoding="utf-8")
    else:
        target = tmp_path / "real"
        if kind == "link-to-run":
            _previous_run(target, {"index.html": "old"})
        out.symlink_to(target)
    before = snapshot(tmp_path)
    code, err = _run(out)
    assert code == 2 and err.count("\n") == 1
    assert ("symbolic link" in err) == (kind != "file")
    assert snapshot(tmp_path) == before


def test_many_foreign_files_are_summarised_in_one_line(tmp_path, no_kernel):
    out = tmp_path / "out"
    _previous_run(out, {"index.html": "old"})
    for i in range(50):
        (out / f"user-{i:02d}.txt").write_text("mine", encoding="utf-8")
    code, err = _run(out)
    assert code == 2 and err.count("\n") == 1
    assert "user-00.txt, user-01.txt, user-02.txt and more" in err
