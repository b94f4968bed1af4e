"""The client report's assumptions box: labels, units and shares as a reader needs them."""

import nbformat
import pytest

from crmlab.report.html import assumptions


def _nb(params):
    nb = nbformat.v4.new_notebook()
    nb.metadata["crmlab"] = {"parameters": params}
    return nb


@pytest.mark.parametrize(
    ("unit", "horizon", "shown"),
    [("W", 52.0, "52 weeks"), ("D", 1, "1 day"), ("M", 12, "12 months"), ("W", 26.5, "26.5 weeks")],
)
def test_horizon_is_shown_in_the_runs_time_unit(unit, horizon, shown):
    rows = assumptions(
        _nb({"horizon": {"value": horizon, "given": False}, "time_unit": {"value": unit}})
    )
    by_name = {row["name"]: row for row in rows}
    assert by_name["horizon"]["value"] == shown
    assert by_name["time_unit"]["value"].endswith(f"({unit})")


def test_horizon_without_a_time_unit_keeps_its_number():
    rows = assumptions(_nb({"horizon": {"value": 52.0, "given": True}}))
    assert rows[0]["value"] == "52.0" and rows[0]["source"] == "given"


def test_key_account_criteria_are_shares():
    rows = assumptions(
        _nb({"key_account_share": {"value": 0.05}, "key_account_min_active_weeks": {"value": 0.75}})
    )
    assert [row["value"] for row in rows] == ["5.0%", "75.0%"]
