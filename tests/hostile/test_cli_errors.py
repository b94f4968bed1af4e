"""Class 7 of issue 12 (runner part), raw errors: each careless input exits 2 with one line.

The line names the parameter or file and what to do, and comes before any kernel starts (the
working folder stays empty: no ``reports/``, nothing started). Range checks come from
:mod:`crmlab.checks`, applied through the runner's table :func:`crmlab.report.ranges.ranges`.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlab import checks
from crmlab.cli import main
from crmlab.errors import ParameterError
from crmlab.report import list_notebooks
from crmlab.report.ranges import ranges

from ._runner import HOSTILE, crmlab_cmd, no_kernel

__all__ = ["no_kernel"]


def _cli(*args: str, cwd: Path, notebooks: Path | None = None) -> tuple[int, str, str]:
    """``crmlab ARGS`` in-process in ``cwd`` (real notebooks unless ``notebooks``)."""
    err, out = io.StringIO(), io.StringIO()
    extra = ["--notebooks-dir", str(notebooks)] if notebooks is not None else []
    old = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            code = main([*args, *extra])
    finally:
        os.chdir(old)
    return code, err.getvalue(), out.getvalue()


def _assert_one_line(code: int, err: str, *fragments: str) -> None:
    assert code == 2, err
    assert err.startswith("crmlab: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


# ------------------------------------------------------------------------------------------------
# values the notebooks' real parameters refuse, before any kernel
# ------------------------------------------------------------------------------------------------
BAD_VALUES = [
    ("03", "n_draws", "-1", ">= 1"),
    ("03", "n_draws", "0", ">= 1"),
    ("00", "observation_end", "garbage", "a date such as '1997-09-30'"),
    ("00", "observation_end", "2020-13-45", "a date such as"),
    ("00", "observation_end", "today", "with its year"),
    ("03", "calibration_end", "12:00", "with its year"),
    ("00", "time_unit", "Q", "'D', 'W', 'M'"),
    ("03", "time_unit", "w", "'D', 'W', 'M'"),
    ("04", "period", "D", "'W', 'M', 'Q', 'Y'"),
    ("02", "importance_method", "guess", "'derived', 'stated'"),
    ("00", "margin_rate", "-1", "> 0 and <= 1"),
    ("00", "margin_rate", "0", "> 0 and <= 1"),
    ("03", "margin_rate", "1.5", "> 0 and <= 1"),
    ("03", "margin_rate", "nan", "finite"),
    ("03", "discount_rate", "inf", "finite number >= 0"),
    ("04", "discount_rate", "-0.1", ">= 0"),
    ("02", "alpha", "0", "> 0 and < 1"),
    ("02", "alpha", "1", "> 0 and < 1"),
    ("03", "seed", "-1", "from 0 to 4294967295"),
    ("05", "seed", str(2**32), "from 0 to 4294967295"),
    ("03", "horizon", "0", "> 0"),
    ("00", "n_bins", "0", ">= 1"),
    ("00", "cost_per_purchase", "-5", ">= 0"),
    ("01", "n_bootstrap", "0", ">= 1"),
    ("04", "fit_periods", "-3", ">= 0"),
    ("04", "inactivity_threshold", "0", ">= 1"),
    ("04", "overdue_multiple", "0", "> 0"),
    ("05", "n_clusters", "-1", ">= 0"),
]


@pytest.mark.parametrize(("notebook", "name", "text", "expected"), BAD_VALUES)
def test_out_of_range_values_exit_2_naming_the_parameter(
    tmp_path, no_kernel, notebook, name, text, expected
):
    code, err, out = _cli("run", notebook, "-p", name, text, cwd=tmp_path)
    _assert_one_line(code, err, f"parameter {name!r} of notebook {notebook}", expected, "-p")
    assert out == "" and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("yaml_text", "name"),
    [
        ("n_draws: -1\n", "n_draws"),
        ("03_clv_estimation: {margin_rate: 2}\n", "margin_rate"),
        ("observation_end: 'next tuesday'\n", "observation_end"),
        ("time_unit: Q\n", "time_unit"),
        ("seed: 1.0e10\n", "seed"),
    ],
)
def test_yaml_values_are_range_checked_too(tmp_path, no_kernel, yaml_text, name):
    params = tmp_path / "p.yaml"
    params.write_text(yaml_text, encoding="utf-8")
    code, err, _ = _cli("run", "00", "03", "--params", str(params), cwd=tmp_path)
    _assert_one_line(code, err, repr(name))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml"]


def test_every_notebook_default_passes_its_own_checks():
    for info in list_notebooks():
        for param in info.parameters:
            validator = ranges().get(param.name)
            if validator is not None and param.literal:
                validator(param.default, param.name)


def test_the_table_names_only_parameters_a_notebook_declares():
    declared = {p.name for info in list_notebooks() for p in info.parameters}
    assert set(ranges()) <= declared


def test_literal_choices_are_checked_before_a_kernel(tmp_path, no_kernel):
    code, err, _ = _cli("run", "01", "-p", "unit", "Q", cwd=tmp_path, notebooks=HOSTILE)
    _assert_one_line(code, err, "parameter 'unit' of notebook 01_choices", "'D', 'W', 'M'")
    code, err, _ = _cli("run", "01", "-p", "level", "4", cwd=tmp_path, notebooks=HOSTILE)
    _assert_one_line(code, err, "'level'", "1, 2, 3, None")
    code, _, _ = _cli(
        "run", "01", "--dry-run", "-q", "-p", "unit", "M", "-p", "level", "2",
        "-p", "n_draws", "3", "--out", "o", cwd=tmp_path, notebooks=HOSTILE,
    )  # fmt: skip
    assert code == 0


# ------------------------------------------------------------------------------------------------
# files and arguments
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw",
    [
        "seconds: 1\nbeacon: 'caf\xe9'\n".encode("latin-1"),
        b"seconds: 1\n\xff\xfe\n",
        "beacon: \u201cquoted\u201d\n".encode("cp1252"),
        "seconds: 1\n".encode("utf-16"),
    ],
    ids=["latin-1", "invalid-bytes", "cp1252", "utf-16"],
)
def test_a_parameter_file_that_is_not_utf8(tmp_path, no_kernel, raw):
    params = tmp_path / "p.yaml"
    params.write_bytes(raw)
    code, err, _ = _cli("run", "00", "--params", str(params), cwd=tmp_path, notebooks=HOSTILE)
    _assert_one_line(code, err, "p.yaml", "is not UTF-8 text", "save it as UTF-8")


def test_a_utf8_parameter_file_with_a_byte_order_mark_is_fine(tmp_path, no_kernel):
    params = tmp_path / "p.yaml"
    params.write_bytes("\ufeffbeacon: 'café'\n".encode())
    code, err, _ = _cli(
        "run", "00", "--dry-run", "-q", "--params", str(params), "--out", "o",
        cwd=tmp_path, notebooks=HOSTILE,
    )  # fmt: skip
    assert code == 0, err


@pytest.mark.parametrize(
    "argv",
    [
        [b"run", b"00", b"--out", b"caf\xe9"],
        [b"run", b"00", b"-p", b"beacon", b"\xff"],
        [b"run", b"00", b"-p", b"bea\xffcon", b"x"],
        [b"run", b"\xc3\x28"],
        [b"--params=\xe9.yaml", b"run"],
    ],
)
def test_an_argument_that_is_not_utf8(tmp_path, argv):
    proc = crmlab_cmd(*argv, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("crmlab: error: argument ")
    assert "is not valid UTF-8" in proc.stderr and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("below", ["file.txt/out", "file.txt/a/b/out"])
def test_out_under_a_regular_file(tmp_path, no_kernel, below):
    (tmp_path / "file.txt").write_text("not a folder", encoding="utf-8")
    code, err, _ = _cli("run", "00", "--out", below, cwd=tmp_path, notebooks=HOSTILE)
    _assert_one_line(code, err, "file.txt", "which is a file")
    assert (tmp_path / "file.txt").read_text(encoding="utf-8") == "not a folder"


@pytest.mark.parametrize("length", [231, 250, 255, 256, 300])
def test_out_names_too_long_for_the_file_system(tmp_path, no_kernel, length):
    code, err, _ = _cli("run", "00", "--out", "x" * length, cwd=tmp_path, notebooks=HOSTILE)
    _assert_one_line(code, err, "bytes long", "choose a shorter name")
    assert list(tmp_path.iterdir()) == []


def test_the_longest_accepted_out_name_works(tmp_path, no_kernel):
    name = "x" * 230
    code, err, _ = _cli(
        "run", "00", "--dry-run", "-q", "--out", name, cwd=tmp_path, notebooks=HOSTILE
    )
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_a_path_too_long_in_total(tmp_path, no_kernel):
    deep = "/".join(["d" * 200] * 21)  # > 4096 bytes
    code, err, _ = _cli("run", "00", "--out", deep, cwd=tmp_path, notebooks=HOSTILE)
    _assert_one_line(code, err, "the path is", "choose a shorter path")
    assert list(tmp_path.iterdir()) == []


def test_out_in_a_folder_that_cannot_be_written(tmp_path, no_kernel):
    if os.geteuid() == 0:
        target = "/proc/crmlab-out"  # even root cannot make folders there
    else:  # pragma: no cover
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = str(locked / "sub" / "out")
    code, err, _ = _cli("run", "00", "--out", target, cwd=tmp_path, notebooks=HOSTILE)
    _assert_one_line(code, err, "choose")


def test_messages_with_unprintable_characters_still_print(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "crmlab", "run", "00", "-p", "seconds", "x\udcff"],
        cwd=tmp_path,
        env={**os.environ, "CRMLAB_NOTEBOOKS_DIR": str(HOSTILE), "PYTHONIOENCODING": "ascii"},
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr
    assert proc.stderr.count(b"\n") == 1


# ------------------------------------------------------------------------------------------------
# the validators themselves (crmlab.checks), as properties
# ------------------------------------------------------------------------------------------------
ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(value=ANY, zero=st.booleans(), one=st.booleans())
def test_check_fraction_accepts_exactly_its_interval(value, zero, one):
    number = isinstance(value, int | float) and not isinstance(value, bool)
    inside = (
        number
        and math.isfinite(value)
        and (0 < value < 1 or (zero and value == 0) or (one and value == 1))
    )
    if inside:
        assert checks.check_fraction(value, "share", zero=zero, one=one) == float(value)
    else:
        with pytest.raises(ParameterError, match="share must be") as info:
            checks.check_fraction(value, "share", zero=zero, one=one)
        assert info.value.parameter == "share"


@settings(max_examples=300, deadline=None)
@given(value=ANY, minimum=st.integers(-3, 3))
def test_check_count_accepts_whole_numbers_from_its_minimum(value, minimum):
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
    if ok:
        assert checks.check_count(value, "n", minimum) == value
    else:
        with pytest.raises(ParameterError, match=f"n must be a whole number >= {minimum}"):
            checks.check_count(value, "n", minimum)


@settings(max_examples=200, deadline=None)
@given(value=ANY)
def test_check_seed_and_rate(value):
    whole = isinstance(value, int) and not isinstance(value, bool)
    if whole and 0 <= value < 2**32:
        assert checks.check_seed(value) == value
    else:
        with pytest.raises(ParameterError, match="seed must be"):
            checks.check_seed(value)
    real = isinstance(value, int | float) and not isinstance(value, bool)
    if real and math.isfinite(value) and value >= 0:
        assert checks.check_rate(value, "discount_rate") == float(value)
    else:
        with pytest.raises(ParameterError, match="discount_rate must be a finite number >= 0"):
            checks.check_rate(value, "discount_rate")


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=20))
def test_check_date_refuses_with_parameter_error_only(text):
    try:
        result = checks.check_date(text, "observation_end", empty=True)
    except ParameterError as exc:
        assert exc.parameter == "observation_end" and "\n" not in str(exc)
    else:
        import pandas as pd

        assert result == text
        if text:
            assert not pd.isna(pd.Timestamp(text.strip()))


@pytest.mark.parametrize("good", ["1997-09-30", "1997/09/30", "30 Sep 1997", "19970930"])
def test_check_date_accepts_dates_the_library_reads(good):
    import pandas as pd

    assert checks.check_date(good, "calibration_end") == good
    assert pd.Timestamp(good) == pd.Timestamp("1997-09-30")


def test_check_choice_is_exact():
    assert checks.check_choice("W", "time_unit", ("D", "W", "M")) == "W"
    for bad in ("w", " W", "Q", True, None, 1):
        with pytest.raises(ParameterError, match="time_unit must be one of 'D', 'W', 'M'"):
            checks.check_choice(bad, "time_unit", ("D", "W", "M"))
