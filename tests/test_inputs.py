"""Tests of crmlab.inputs: the user's file, or the bundled default, for every notebook."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab import inputs, retention
from crmlab.datasets import (
    load_cdnow,
    load_fader_hardie_cohorts,
    simulate_brand_ratings,
    simulate_servqual_survey,
)
from crmlab.errors import DataError


def test_transactions_or_default(tmp_path):
    pd.testing.assert_frame_equal(inputs.transactions_or_default(""), load_cdnow())
    raw = pd.DataFrame({"Kunde": [1, 1, 2], "Tag": ["2020-01-01", "2020-01-05", "2020-01-02"]})
    raw["Betrag"] = [10.0, 5.0, 7.5]
    path = tmp_path / "tx.csv"
    raw.to_csv(path, index=False)
    columns = {"Kunde": "customer_id", "Tag": "date", "Betrag": "amount"}
    tx = inputs.transactions_or_default(str(path), columns)
    assert tx["customer_id"].tolist() == [1, 1, 2]
    assert tx["amount"].sum() == pytest.approx(22.5)
    with pytest.raises(DataError):
        inputs.transactions_or_default(str(path))  # the German names are not mapped


def test_ratings_or_default(tmp_path):
    ratings, truth = inputs.ratings_or_default("", n_respondents=30, seed=3)
    expected = simulate_brand_ratings(30, seed=3)
    pd.testing.assert_frame_equal(ratings, expected.ratings)
    pd.testing.assert_frame_equal(truth.brands, expected.truth.brands)
    path = tmp_path / "ratings.csv"
    raw = expected.ratings.rename(columns={"brand": "Marke"})
    raw.to_csv(path, index=False)
    read, none = inputs.ratings_or_default(str(path), {"Marke": "brand"})
    assert none is None and len(read) == len(raw) and "brand" in read.columns


def test_survey_or_default(tmp_path):
    survey, text = inputs.survey_or_default(n_respondents=30)
    expected, _ = simulate_servqual_survey(30, seed=0, scale=(1, 7))
    pd.testing.assert_frame_equal(survey, expected)
    assert survey["respondent_id"].nunique() == 30 and "Simulated" in text
    wide = pd.DataFrame({"respondent_id": [1, 2], "E1": [5, 6], "P1": [4, 6], "seg": ["a", "b"]})
    path = tmp_path / "wide.csv"
    wide.to_csv(path, index=False)
    item_map = {"speed": {"dimension": "responsiveness", "expectation": "E1", "perception": "P1"}}
    long, text = inputs.survey_or_default(str(path), item_map=item_map)
    assert long["respondent_id"].tolist() == ["1", "2"] or long["respondent_id"].tolist() == [1, 2]
    assert long["seg"].tolist() == ["a", "b"] and "wide.csv" in text


def test_load_survey_or_example_is_a_deprecated_alias():
    from crmlab.satisfaction import load_survey_or_example

    with pytest.warns(DeprecationWarning, match="crmlab.inputs.survey_or_default"):
        old, old_text = load_survey_or_example(n_respondents=20, seed=2)
    new, new_text = inputs.survey_or_default(n_respondents=20, seed=2)
    pd.testing.assert_frame_equal(old, new)
    assert old_text == new_text


def test_subscriptions_or_default(tmp_path):
    pd.testing.assert_frame_equal(inputs.subscriptions_or_default(""), load_fader_hardie_cohorts())
    subs = pd.DataFrame({"von": [0, 0, 0, 1], "bis": [1, 2, None, None]})
    path = tmp_path / "subs.csv"
    subs.to_csv(path, index=False)
    survivors = inputs.subscriptions_or_default(str(path), {"von": "start", "bis": "end"})
    expected = pd.DataFrame({"start": [0, 0, 0, 1], "end": [1, 2, None, None]}).pipe(
        retention.subscription_survivors
    )
    pd.testing.assert_frame_equal(survivors, expected)
    assert survivors.iloc[:, 0].tolist() == [3, 2, 1]  # cohort 0: 3 acquired, lapse at 1 and 2


def test_portfolio_or_default_reads_user_files_and_alias_warns(tmp_path):
    tx = pd.DataFrame(
        {
            "Kunde": [1, 1, 2],
            "date": ["2020-01-01", "2020-01-05", "2020-01-02"],
            "amount": [10.0, 5.0, 7.5],
            "product": ["p7", "p8", "p7"],
        }
    )
    products = pd.DataFrame({"product": ["p7", "p8"], "category": ["bread", "milk"]})
    tx.to_csv(tmp_path / "tx.csv", index=False)
    products.to_csv(tmp_path / "products.csv", index=False)
    args = (str(tmp_path / "tx.csv"), {"Kunde": "customer_id"}, str(tmp_path / "products.csv"))
    data = inputs.portfolio_or_default(*args)
    assert data.transactions["category"].tolist() == ["bread", "milk", "bread"]
    assert data.campaigns.empty and data.demographics.empty
    from crmlab.datasets import portfolio_data

    with pytest.warns(DeprecationWarning, match="portfolio_or_default"):
        old = portfolio_data(*args)
    pd.testing.assert_frame_equal(old.transactions, data.transactions)


def test_file_or_default_checks_options_first_and_calls_one_side():
    from crmlab.errors import ParameterError

    calls = []

    def read(options):
        calls.append(("read", options))
        return "file"

    def default():
        calls.append(("default",))
        return "bundled"

    assert inputs.file_or_default("", None, read, default) == "bundled"
    assert inputs.file_or_default("x.csv", {"decimal": ","}, read, default) == "file"
    assert calls[0] == ("default",) and calls[1][0] == "read"
    assert calls[1][1]["decimal"] == ","
    calls.clear()
    for path in ("", "x.csv"):  # a wrong option is refused before either side runs
        with pytest.raises(ParameterError, match="decimals"):
            inputs.file_or_default(path, {"decimals": ","}, read, default)
    assert calls == []


@pytest.mark.parametrize(
    "loader", [n for n in inputs.__all__ if n.endswith("_or_default") and n != "file_or_default"]
)
def test_every_loader_goes_through_file_or_default_and_shares_its_docs(loader, monkeypatch):
    func = getattr(inputs, loader)
    assert "{" + "read_options}" not in func.__doc__ and "{" + "columns}" not in func.__doc__
    assert "checked even when no file is given" in func.__doc__
    assert "Your column names to crmlab's" in func.__doc__
    seen = []
    monkeypatch.setattr(
        inputs, "file_or_default", lambda path, options, read, default: seen.append(path)
    )
    func("some.csv")
    assert seen == ["some.csv"]
