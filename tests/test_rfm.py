"""Tests of crmlab.rfm: summaries checked by hand, against lifetimes and against CDNOW facts."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from crmlab.datasets import load_cdnow
from crmlab.errors import CrmlabWarning, DataError, ParameterError
from crmlab.rfm import (
    SEGMENT_RULES,
    interpurchase_distribution,
    interpurchase_summary,
    interpurchase_times,
    rfm_scores,
    rfm_scores_all_days,
    rfm_segments,
    rfm_summary,
    segment_summary,
)


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return load_cdnow()


@pytest.fixture
def log() -> pd.DataFrame:
    """Four customers with known answers (2020 is a leap year).

    - 1: Jan 1 (two lines, 08:00 and 17:30: one purchase day worth 15), Jan 15 (20), Feb 12 (30)
    - 2: Jan 10 (50) only
    - 3: Jan 31 (10), Feb 29 (two lines 25 + 15 = one day worth 40)
    - 4: Mar 1 (5), Mar 10 (7.5): first purchase after a Feb 15 calibration end
    """
    rows = [
        (1, "2020-01-01 08:00", 10.0),
        (1, "2020-01-01 17:30", 5.0),
        (1, "2020-01-15", 20.0),
        (1, "2020-02-12", 30.0),
        (2, "2020-01-10", 50.0),
        (3, "2020-01-31", 10.0),
        (3, "2020-02-29", 25.0),
        (3, "2020-02-29", 15.0),
        (4, "2020-03-01", 5.0),
        (4, "2020-03-10", 7.5),
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    frame["date"] = pd.to_datetime(frame["date"], format="ISO8601")
    frame["product"] = "x"  # extra columns are ignored
    return frame.sample(frac=1.0, random_state=0)  # order must not matter


def test_summary_by_hand_days(log):
    s = rfm_summary(log, time_unit="D")
    assert list(s.columns) == ["frequency", "recency", "T", "monetary_value"]
    assert list(s.index) == [1, 2, 3, 4]
    assert s.index.name == "customer_id"
    expected = pd.DataFrame(
        {
            "frequency": [2.0, 0.0, 1.0, 1.0],
            "recency": [42.0, 0.0, 29.0, 9.0],
            "T": [69.0, 60.0, 39.0, 9.0],
            "monetary_value": [25.0, 0.0, 40.0, 7.5],
        },
        index=pd.Index([1, 2, 3, 4], name="customer_id"),
    )
    pd.testing.assert_frame_equal(s, expected)
    assert all(s.dtypes == "float64")
    assert s.attrs["observation_end"] == pd.Timestamp("2020-03-10")


def test_summary_weeks_are_days_over_seven(log):
    days = rfm_summary(log, time_unit="D")
    weeks = rfm_summary(log, time_unit="W")
    np.testing.assert_allclose(weeks[["recency", "T"]], days[["recency", "T"]] / 7.0)
    np.testing.assert_allclose(weeks["frequency"], days["frequency"])


def test_summary_months_by_hand(log):
    s = rfm_summary(log, time_unit="M")
    # 1: Jan 1 -> Feb 12 = 1 month + 11 days of the 29-day period Feb 1..Mar 1
    #    Jan 1 -> Mar 10 = 2 months + 9 days of the 31-day period Mar 1..Apr 1
    # 2: Jan 10 -> Mar 10 = 2 months exactly
    # 3: Jan 31 -> Feb 29 = 1 month exactly (anniversary clipped to month end)
    #    Jan 31 -> Mar 10 = 1 month (to Feb 29) + 10 days of the 31-day period Feb 29..Mar 31
    np.testing.assert_allclose(s["recency"], [1 + 11 / 29, 0.0, 1.0, 9 / 31])
    np.testing.assert_allclose(s["T"], [2 + 9 / 31, 2.0, 1 + 10 / 31, 9 / 31])


def test_summary_calibration_holdout_by_hand(log):
    s = rfm_summary(log, calibration_end="2020-02-15", time_unit="D")
    assert list(s.index) == [1, 2, 3]
    assert s.attrs["n_customers_excluded"] == 1
    np.testing.assert_allclose(s["frequency"], [2.0, 0.0, 0.0])
    np.testing.assert_allclose(s["recency"], [42.0, 0.0, 0.0])
    np.testing.assert_allclose(s["T"], [45.0, 36.0, 15.0])
    np.testing.assert_allclose(s["monetary_value"], [25.0, 0.0, 0.0])
    np.testing.assert_allclose(s["frequency_holdout"], [0.0, 0.0, 1.0])
    # the two holdout lines of customer 3 on Feb 29 are one purchase day worth 40
    np.testing.assert_allclose(s["monetary_value_holdout"], [0.0, 0.0, 40.0])
    np.testing.assert_allclose(s["duration_holdout"], 24.0)


def test_summary_observation_end_truncates(log):
    s = rfm_summary(log, observation_end="2020-02-20", time_unit="D")
    assert list(s.index) == [1, 2, 3]
    np.testing.assert_allclose(s["T"], [50.0, 41.0, 20.0])
    np.testing.assert_allclose(s["frequency"], [2.0, 0.0, 0.0])


def test_summary_does_not_mutate(log):
    before = log.copy()
    rfm_summary(log, calibration_end="2020-02-15", time_unit="M")
    pd.testing.assert_frame_equal(log, before)


def test_summary_string_ids():
    tx = pd.DataFrame(
        {
            "customer_id": pd.array(["b", "a", "b"], dtype="string"),
            "date": pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-08"]),
            "amount": [1.0, 2.0, 3.0],
        }
    )
    s = rfm_summary(tx, time_unit="D")
    assert list(s.index) == ["a", "b"]
    np.testing.assert_allclose(s["T"], [6.0, 7.0])


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"time_unit": "Y"}, "time_unit"),
        ({"calibration_end": "2019-12-31"}, "calibration_end"),
        ({"calibration_end": "2020-03-10"}, "calibration_end"),
        ({"calibration_end": "not a date"}, "calibration_end"),
        ({"observation_end": "2019-01-01"}, "observation_end"),
    ],
)
def test_summary_parameter_errors(log, kwargs, parameter):
    with pytest.raises(ParameterError) as info:
        rfm_summary(log, **kwargs)
    assert info.value.parameter == parameter
    assert parameter in str(info.value)


def test_summary_data_errors(log):
    with pytest.raises(DataError, match="amount"):
        rfm_summary(log.drop(columns="amount"))
    bad = log.copy()
    bad.loc[bad.index[0], "customer_id"] = None
    with pytest.raises(DataError, match="customer_id") as info:
        rfm_summary(bad)
    assert info.value.rows == [bad.index[0]]
    bad = log.assign(date=log["date"].dt.strftime("%Y-%m-%d"))
    with pytest.raises(DataError, match="datetime64"):
        rfm_summary(bad)


def test_cdnow_reproduction(cdnow):
    """CDNOW 1/10 sample, calibration to 1997-09-30 in weeks (contract.md; Fader, Hardie & Lee
    2005a use the same 39-week calibration: 2,357 customers, 2,457 repeat purchase days)."""
    s = rfm_summary(cdnow, calibration_end="1997-09-30", time_unit="W")
    assert len(s) == 2357
    assert s["frequency"].sum() == 2457
    assert s["T"].iloc[0] == pytest.approx(272 / 7)
    assert s.attrs["n_customers_excluded"] == 0
    # holdout totals (1997-10-01 .. 1998-06-30): 273 days = 39 weeks; values measured with
    # lifetimes 0.11.3 calibration_and_holdout_data on the same data
    assert s["duration_holdout"].iloc[0] == pytest.approx(39.0)
    assert s["frequency_holdout"].sum() == 1882
    assert (s["frequency_holdout"] > 0).sum() == 684
    holdout_revenue = (s["frequency_holdout"] * s["monetary_value_holdout"]).sum()
    raw = cdnow.loc[cdnow["date"] > "1997-09-30", "amount"].sum()
    assert holdout_revenue == pytest.approx(raw) == pytest.approx(70976.39)


def _lifetimes_utils():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes import utils
    return utils


@pytest.mark.parametrize(("time_unit", "multiplier"), [("D", 1), ("W", 7)])
def test_matches_lifetimes_calibration_holdout(cdnow, time_unit, multiplier):
    """lifetimes 0.11.3 ``calibration_and_holdout_data(freq="D", freq_multiplier=...)``, on
    customer-day totals (lifetimes averages holdout lines, crmlab holdout days)."""
    utils = _lifetimes_utils()
    daily = cdnow.groupby(["customer_id", "date"], as_index=False)["amount"].sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = utils.calibration_and_holdout_data(
            daily,
            "customer_id",
            "date",
            calibration_period_end="1997-09-30",
            freq="D",
            freq_multiplier=multiplier,
            monetary_value_col="amount",
        )
    ours = rfm_summary(cdnow, calibration_end="1997-09-30", time_unit=time_unit)
    assert ours.index.equals(ref.index.sort_values())
    ref = ref.loc[ours.index]
    for col in ["frequency", "recency", "T", "monetary_value"]:
        np.testing.assert_allclose(ours[col], ref[f"{col}_cal"], rtol=1e-12, atol=1e-9)
    for col in ["frequency_holdout", "monetary_value_holdout", "duration_holdout"]:
        np.testing.assert_allclose(ours[col], ref[col], rtol=1e-12, atol=1e-9)
    # the calibration columns do not depend on the daily aggregation: raw lines agree too
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = utils.summary_data_from_transaction_data(
            cdnow, "customer_id", "date", monetary_value_col="amount", freq="D"
        )
    full = rfm_summary(cdnow, time_unit="D").loc[raw.index]
    for col in ["frequency", "recency", "T", "monetary_value"]:
        np.testing.assert_allclose(full[col], raw[col], rtol=1e-12, atol=1e-9)


# ------------------------------------------------------------------------------------------------
# scores and segments
# ------------------------------------------------------------------------------------------------
def _summary(frequency, recency, T, monetary):
    index = pd.Index(range(1, len(frequency) + 1), name="customer_id")
    return pd.DataFrame(
        {"frequency": frequency, "recency": recency, "T": T, "monetary_value": monetary},
        index=index,
        dtype=float,
    )


def test_scores_ranks_and_ties():
    # time since last purchase: 0, 1, 2, ..., 9 (customer 1 most recent)
    s = _summary(
        frequency=[0, 0, 0, 0, 0, 0, 1, 1, 2, 5],
        recency=[0] * 10,
        T=list(range(10)),
        monetary=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    )
    sc = rfm_scores(s, n_bins=5)
    assert list(sc["R"]) == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert list(sc["M"]) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # six tied one-time buyers share the lowest F; two 2-day buyers: 6/10 strictly worse -> 4
    assert list(sc["F"]) == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]
    assert sc.loc[1, "rfm_cell"] == "511"
    assert sc.loc[10, "rfm_score"] == 1 + 5 + 5
    assert list(sc["purchase_days"]) == [1, 1, 1, 1, 1, 1, 2, 2, 3, 6]
    assert sc.attrs["monetary_basis"] == "repeat purchase days"


def test_scores_equal_values_equal_scores(cdnow):
    sc = rfm_scores_all_days(rfm_summary(cdnow), cdnow)
    for score, measure in [
        ("R", "time_since_last"),
        ("F", "purchase_days"),
        ("M", "spend_per_purchase_day"),
    ]:
        assert sc.groupby(measure)[score].nunique().max() == 1
        assert sc[score].between(1, 5).all()
    # better measure never gets a lower score
    order = sc.sort_values("spend_per_purchase_day")
    assert np.all(np.diff(order["M"].to_numpy()) >= 0)
    assert sc.loc[sc["purchase_days"] == 1, "F"].eq(1).all()


def test_scores_monetary_all_days(log):
    s = rfm_summary(log, time_unit="D")
    sc = rfm_scores_all_days(s, log)
    # customer 1: days worth 15, 20, 30 -> 65 / 3; customer 2: one day worth 50
    np.testing.assert_allclose(sc["spend_per_purchase_day"], [65 / 3, 50.0, 25.0, 6.25])
    np.testing.assert_allclose(sc["revenue"], [65.0, 50.0, 50.0, 12.5])
    assert sc.attrs["monetary_basis"] == "all purchase days"
    # with a calibration window only calibration purchases count
    cal = rfm_summary(log, calibration_end="2020-02-15", time_unit="D")
    np.testing.assert_allclose(rfm_scores_all_days(cal, log)["revenue"], [65.0, 50.0, 10.0])


def test_scores_cut_points():
    s = _summary([0, 1, 2, 3], [0, 0, 0, 0], [1, 4, 5, 40], [10, 20, 30, 40])
    sc = rfm_scores(
        s,
        n_bins=3,
        cut_points={"R": [4, 10], "F": [2, 3], "M": [20, 35]},
    )
    assert list(sc["R"]) == [3, 3, 2, 1]  # time since last <= 4 scores 3, (4, 10] 2
    assert list(sc["F"]) == [1, 2, 3, 3]  # purchase days 1 | 2 | 3, 4
    assert list(sc["M"]) == [1, 2, 2, 3]
    with pytest.raises(ParameterError, match="cut_points"):
        rfm_scores(s, n_bins=3, cut_points={"R": [4]})
    with pytest.raises(ParameterError, match="cut_points"):
        rfm_scores(s, n_bins=3, cut_points={"X": [1, 2]})
    with pytest.raises(ParameterError, match="n_bins"):
        rfm_scores(s, n_bins=12)


def test_segment_rules_cover_all_cells():
    cells = pd.MultiIndex.from_product([range(1, 6)] * 3, names=["R", "F", "M"]).to_frame()
    cells.index = pd.RangeIndex(len(cells), name="customer_id")
    assert len(cells) == 125
    seg = rfm_segments(cells)
    assert seg.notna().all()
    lookup = dict(zip(zip(cells["R"], cells["F"], strict=True), seg, strict=True))
    assert lookup[(5, 5)] == "champions"
    assert lookup[(1, 1)] == "lost"
    assert lookup[(2, 1)] == "hibernating"
    assert lookup[(5, 1)] == "new customers"
    assert lookup[(1, 5)] == "cannot lose them"
    assert lookup[(3, 3)] == "need attention"
    assert set(SEGMENT_RULES.columns) >= {"segment", "r_min", "r_max", "f_min", "f_max", "action"}
    # first matching rule wins
    rules = [
        {"segment": "top", "r_min": 3, "r_max": 5, "f_min": 1, "f_max": 5},
        {"segment": "rest", "r_min": 1, "r_max": 5, "f_min": 1, "f_max": 5},
    ]
    custom = rfm_segments(cells, rules=rules)
    assert (custom[cells["R"] >= 3] == "top").all() and (custom[cells["R"] < 3] == "rest").all()
    with pytest.raises(ParameterError, match="uncovered"):
        rfm_segments(cells, rules=rules[:1])


def test_segments_other_n_bins(cdnow):
    s = rfm_summary(cdnow)
    sc = rfm_scores_all_days(s, cdnow, n_bins=3)
    seg = rfm_segments(sc)
    assert seg.notna().all()
    assert (seg[(sc["R"] == 3) & (sc["F"] == 3)] == "champions").all()


def test_segment_summary(cdnow):
    s = rfm_summary(cdnow)
    sc = rfm_scores_all_days(s, cdnow)
    seg = rfm_segments(sc)
    table = segment_summary(s, sc, seg)
    assert table["customers"].sum() == 2357
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["revenue_share"].sum() == pytest.approx(1.0)
    assert table["revenue"].sum() == pytest.approx(cdnow["amount"].sum())
    assert list(table.index) == list(SEGMENT_RULES["segment"])
    assert table.loc["champions", "mean_R"] == 5.0


# ------------------------------------------------------------------------------------------------
# interpurchase times
# ------------------------------------------------------------------------------------------------
def test_interpurchase_times_by_hand(log):
    gaps = interpurchase_times(log, time_unit="D")
    assert list(gaps.columns) == ["customer_id", "date", "previous_date", "gap"]
    assert list(gaps["customer_id"]) == [1, 1, 3, 4]
    assert list(gaps["gap"]) == [14.0, 28.0, 29.0, 9.0]
    months = interpurchase_times(log, time_unit="M")
    # Jan 15 -> Feb 12: 28 days of the 31-day period Jan 15..Feb 15
    np.testing.assert_allclose(months["gap"], [14 / 31, 28 / 31, 1.0, 9 / 31])


def test_interpurchase_summary_by_hand(log):
    table = interpurchase_summary(log, time_unit="D")
    assert list(table.index) == [1, 2, 3, 4]
    assert list(table["n_gaps"]) == [2, 0, 1, 1]
    assert table.loc[1, "mean_gap"] == 21.0
    assert table.loc[1, "median_gap"] == 21.0
    assert table.loc[1, "std_gap"] == pytest.approx(np.std([14, 28], ddof=1))
    assert np.isnan(table.loc[2, "mean_gap"]) and np.isnan(table.loc[3, "std_gap"])
    assert list(table["time_since_last"]) == [27.0, 60.0, 10.0, 0.0]
    early = interpurchase_summary(log, observation_end="2020-02-01", time_unit="D")
    assert list(early.index) == [1, 2, 3]
    assert list(early["time_since_last"]) == [17.0, 22.0, 1.0]


def test_interpurchase_distribution(cdnow):
    gaps = interpurchase_times(cdnow)
    dist = interpurchase_distribution(gaps)
    # CDNOW: 6,696 customer-days of 2,357 customers -> 4,339 gaps
    assert dist.loc["n_gaps", "gap"] == 4339
    assert dist.loc["p50", "gap"] == pytest.approx(gaps["gap"].median())
    assert (gaps["gap"] > 0).all()
    with pytest.raises(ParameterError):
        interpurchase_distribution(gaps, quantiles=[1.5])


def test_interpurchase_times_observation_end(log):
    gaps = interpurchase_times(log, observation_end="2020-02-01")
    assert list(gaps["gap"]) == [14.0]


# --------------------------------------------------------------------------------------------
# degenerate bases (issue 12, class 5): no "lost" lone customer, no "nan days"
# --------------------------------------------------------------------------------------------
def _one_day(n_customers: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": np.arange(n_customers),
            "date": pd.Timestamp("2024-05-31"),
            "amount": 10.0 + np.arange(n_customers),
        }
    )


def test_lone_customer_who_bought_on_the_last_day_is_not_lost():
    tx = _one_day(1)
    summary = rfm_summary(tx, time_unit="D")
    with pytest.warns(CrmlabWarning, match="the only customer has the same") as record:
        scores = rfm_scores_all_days(summary, tx)
    assert "time since the last purchase" in str(record[0].message)
    assert scores[["R", "F", "M"]].iloc[0].tolist() == [3, 3, 3]  # the middle score
    segment = rfm_segments(scores).iloc[0]
    assert segment != "lost" and segment == "need attention"


@pytest.mark.parametrize("n_bins", [2, 3, 5, 9])
def test_measures_without_spread_get_the_middle_score(n_bins):
    tx = _one_day(4)  # same day for everyone; spend differs
    with pytest.warns(CrmlabWarning, match="all 4 customers have the same") as record:
        scores = rfm_scores_all_days(rfm_summary(tx, time_unit="D"), tx, n_bins=n_bins)
    message = str(record[0].message)
    assert "R/F is the middle score" in message and "spend" not in message
    assert (scores["R"] == (n_bins + 1) // 2).all() and (scores["F"] == (n_bins + 1) // 2).all()
    assert scores["M"].min() == 1 and scores["M"].max() > 1  # M still ranks


def test_all_purchases_on_one_day_give_no_nan_gap_statistics():
    from crmlab.profitability import (
        customer_base_findings,
        customer_profitability,
        whale_curve,
        whale_curve_summary,
    )

    tx = _one_day(5)
    gaps = interpurchase_times(tx)
    with pytest.warns(CrmlabWarning, match="No customer bought on two different days"):
        dist = interpurchase_distribution(gaps)
    assert dist.index.tolist() == ["n_gaps"] and dist.loc["n_gaps", "gap"] == 0
    assert not dist["gap"].isna().any()
    summary = rfm_summary(tx, time_unit="D")
    with pytest.warns(CrmlabWarning):
        scores = rfm_scores_all_days(summary, tx)
    table = segment_summary(summary, scores, rfm_segments(scores))
    whale = whale_curve_summary(whale_curve(customer_profitability(tx)))
    findings = customer_base_findings(summary, table, whale, gap_distribution=dist)
    assert findings and not any("nan" in f.lower() for f in findings)


def test_one_gap_has_no_spread_row():
    tx = _one_day(1)
    tx = pd.concat([tx, tx.assign(date=pd.Timestamp("2024-06-07"))], ignore_index=True)
    dist = interpurchase_distribution(interpurchase_times(tx))
    assert "std" not in dist.index and dist.loc["p50", "gap"] == 7.0
    assert not dist["gap"].isna().any()


@pytest.mark.parametrize("value", ["garbage", "2024-02-30", 12.5, "", [2024]])
@pytest.mark.parametrize("name", ["observation_end", "calibration_end"])
def test_window_garbage_names_the_parameter(log, name, value):
    with pytest.raises(ParameterError) as info:
        rfm_summary(log, **{name: value})
    assert info.value.parameter == name and name in str(info.value)
    if name == "observation_end":
        for function in (interpurchase_summary, interpurchase_times):
            with pytest.raises(ParameterError) as info:
                function(log, observation_end=value)
            assert info.value.parameter == "observation_end"


def test_returns_option_of_the_pandas_path(log):
    with_return = pd.concat(
        [
            log,
            pd.DataFrame(
                {"customer_id": [2], "date": [pd.Timestamp("2020-02-01")], "amount": [-50.0]}
            ),
        ],
        ignore_index=True,
    )
    kept = rfm_summary(with_return, time_unit="D")  # a read frame: amounts taken as they are
    assert kept.loc[2, "frequency"] == 1.0
    with pytest.raises(DataError, match="negative amounts") as info:
        rfm_summary(with_return, time_unit="D", returns="error")
    assert info.value.rows == [len(log)]
    with pytest.warns(CrmlabWarning, match="Dropped 1 row"):
        dropped = rfm_summary(with_return, time_unit="D", returns="drop")
    pd.testing.assert_frame_equal(dropped, rfm_summary(log, time_unit="D"))
    with pytest.raises(ParameterError, match="returns"):
        rfm_summary(log, returns="ignore")


def test_m_measure_is_named_by_what_it_measures(log):
    """M over all purchase days and M over repeat days are two functions with two columns;
    no keyword changes what a column means (STYLE: a flag never changes a column's meaning)."""
    s = rfm_summary(log, time_unit="D")
    repeat = rfm_scores(s)
    all_days = rfm_scores_all_days(s, log)
    # repeat days only: the summary's monetary_value, one-time buyer 2 spends 0 on repeat days
    np.testing.assert_allclose(repeat["monetary_value"], s["monetary_value"])
    np.testing.assert_allclose(repeat["repeat_revenue"], s["monetary_value"] * s["frequency"])
    assert "spend_per_purchase_day" not in repeat and "revenue" not in repeat
    assert "monetary_value" not in all_days and "repeat_revenue" not in all_days
    assert repeat.attrs["monetary_column"] == "monetary_value"
    assert all_days.attrs["monetary_column"] == "spend_per_purchase_day"
    # segment revenue follows the scores' own revenue column
    table = segment_summary(s, repeat, rfm_segments(repeat))
    assert table["revenue"].sum() == pytest.approx(repeat["repeat_revenue"].sum())
    assert table.attrs["revenue_basis"] == "repeat purchase days"


def test_rfm_scores_transactions_keyword_is_deprecated(log):
    s = rfm_summary(log, time_unit="D")
    with pytest.warns(DeprecationWarning, match="rfm_scores_all_days"):
        old = rfm_scores(s, transactions=log)
    new = rfm_scores_all_days(s, log)
    pd.testing.assert_frame_equal(old.drop(columns="spend_per_day"), new)
    np.testing.assert_allclose(old["spend_per_day"], new["spend_per_purchase_day"])
