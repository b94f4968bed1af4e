"""Tests of crmlab.clv.selection: models by name, the default calibration end, the best model,
models the data cannot identify, and the spend summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab import clv
from crmlab.clv import (
    BGNBD,
    MBGNBD,
    MODELS,
    NBD,
    GammaGamma,
    ParetoNBD,
    best_model,
    calibration_end_or_default,
    choose_forecast_model,
    clv_findings,
    customer_lifetime_value,
    default_calibration_end,
    fit_models,
    holdout_scores,
    make_models,
    model_comparison,
    parameter_table,
    refit_best,
    spend_summary,
)
from crmlab.datasets import load_cdnow
from crmlab.errors import ConvergenceError, CrmlabWarning, DataError, ParameterError

from ._holdout_sim import simulate_with_holdout


def test_make_models_builds_unfitted_instances_in_order():
    models = make_models(["ParetoNBD", "BGNBD", "MBGNBD"])
    assert [type(m) for m in models] == [ParetoNBD, BGNBD, MBGNBD]
    assert not any(hasattr(m, "params_") for m in models)
    assert type(make_models("BGNBD")[0]) is BGNBD


@pytest.mark.parametrize(
    "names, word", [(["BGNBD", "Pareto"], "Pareto"), (["BGNBD", "BGNBD"], "BGNBD"), ([], "empty")]
)
def test_make_models_rejects_bad_names(names, word):
    with pytest.raises(ParameterError, match=word) as info:
        make_models(names)
    assert info.value.parameter == "models"


def test_make_models_rejects_spend_model():
    with pytest.raises(ParameterError, match="GammaGamma"):
        make_models(["GammaGamma"])


def test_default_calibration_end_two_thirds():
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "date": pd.to_datetime(["2020-01-01 10:00", "2020-01-31 00:00", "2020-01-15 00:00"]),
            "amount": [1.0, 2.0, 3.0],
        }
    )
    assert default_calibration_end(tx) == pd.Timestamp("2020-01-21")  # 1 Jan + 20 of 30 days
    assert default_calibration_end(tx, share=0.5) == pd.Timestamp("2020-01-16")
    # CDNOW runs 1997-01-01 .. 1998-06-30 (545 days): 363 days in
    assert default_calibration_end(load_cdnow()) == pd.Timestamp("1997-12-30")


def test_default_calibration_end_errors():
    one_day = pd.DataFrame({"date": pd.to_datetime(["2020-01-01", "2020-01-01"])})
    with pytest.raises(DataError, match="single day"):
        default_calibration_end(one_day)
    with pytest.raises(ParameterError, match="share"):
        default_calibration_end(pd.DataFrame({"date": pd.to_datetime(["2020-01-01"])}), 1.5)
    with pytest.raises(DataError, match="date"):
        default_calibration_end(pd.DataFrame({"day": [1]}))


def test_best_model_smallest_and_absolute_for_percentages():
    comp = pd.DataFrame(
        {"holdout_mae": [0.8, 0.7, 0.9], "aggregate_error_pct": [-12.0, 5.0, -3.0]},
        index=pd.Index(["BGNBD", "ParetoNBD", "MBGNBD"], name="model"),
    )
    assert best_model(comp) == "ParetoNBD"
    assert best_model(comp, "aggregate_error_pct") == "MBGNBD"  # |-3| smallest
    with pytest.raises(ParameterError, match="criterion"):
        best_model(comp, "nope")


def test_best_model_returns_the_model_when_given_the_models():
    comp = pd.DataFrame(
        {"holdout_mae": [0.8, 0.7, 0.9]},
        index=pd.Index(["BGNBD", "ParetoNBD", "MBGNBD"], name="model"),
    )
    models = make_models(["BGNBD", "ParetoNBD", "MBGNBD"])
    assert best_model(comp, models=models) is models[1]
    with pytest.raises(ParameterError, match="ParetoNBD"):
        best_model(comp, models=models[:1])


def test_clv_report_module_is_a_deprecated_alias():
    import crmlab.clv.report as old

    with pytest.warns(DeprecationWarning, match="crmlab.clv.selection"):
        assert old.make_models is make_models


# ------------------------------------------------------------------------------------------------
# models the data cannot identify (issue 13)
# ------------------------------------------------------------------------------------------------
def _steady(n: int = 1500, seed: int = 4) -> pd.DataFrame:
    """Customers with no sign of dropout: gamma-Poisson purchases, each repeat buyer's last
    purchase at the end of her window (recency = T), with a holdout of Poisson purchases."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(1.5, 1 / 4.0, n)
    T = rng.uniform(30, 60, n)
    x = rng.poisson(lam * T).astype(float)
    return pd.DataFrame(
        {
            "frequency": x,
            "recency": np.where(x > 0, T, 0.0),
            "T": T,
            "frequency_holdout": rng.poisson(lam * 20.0).astype(float),
            "duration_holdout": 20.0,
        }
    )


def test_make_models_knows_nbd():
    assert [type(m) for m in make_models(["NBD", "BGNBD"])] == [NBD, BGNBD]


def test_fit_models_marks_models_at_the_no_dropout_boundary():
    data = _steady()
    with pytest.warns(CrmlabWarning, match="no evidence of dropout") as caught:
        fits = fit_models(["BGNBD", "ParetoNBD", "NBD"], data)
    assert [type(m) for m in fits.fitted] == [NBD]
    assert set(fits.not_identified) == {"BGNBD", "ParetoNBD"}
    assert set(fits.no_dropout) == {"BGNBD", "ParetoNBD"}
    assert fits.order == ["BGNBD", "ParetoNBD", "NBD"]
    assert all("dropout" in reason for reason in fits.not_identified.values())
    assert len([w for w in caught if issubclass(w.category, CrmlabWarning)]) == 2


def test_fit_models_without_repeat_customers_fits_nothing():
    data = _steady().assign(frequency=0.0, recency=0.0)
    with pytest.warns(CrmlabWarning, match="no customer made a repeat purchase"):
        fits = fit_models(["NBD"], data, require=False)
    assert fits.fitted == []
    with pytest.raises(DataError, match="none of the transaction models"):
        model_comparison(data, fits)


def test_fit_models_raises_data_errors():
    data = _steady().assign(recency=lambda f: f["T"] + 1)
    with pytest.raises(DataError, match="recency"):
        fit_models(["NBD"], data)


def test_model_comparison_lists_not_identified_models_in_order(cdnow):
    fits = fit_models(["BGNBD", "NBD"], cdnow)
    fits.not_identified = {"ParetoNBD": "its dropout parameter s ran to the edge of the search"}
    fits.order = ["BGNBD", "ParetoNBD", "NBD"]
    fits.no_dropout = ["ParetoNBD"]
    table = model_comparison(cdnow, fits)
    assert list(table.index) == ["BGNBD", "ParetoNBD", "NBD"]
    assert table.columns[0] == "status"
    assert table.loc["BGNBD", "status"] == "identified"
    assert table.loc["ParetoNBD", "status"].startswith("not identified: its dropout parameter s")
    assert table.loc["ParetoNBD"].drop("status").isna().all()
    assert best_model(table) == "BGNBD"  # BG/NBD beats the NBD on CDNOW; NaN rows passed over
    findings = clv_findings(
        table, fits.fitted[0], _values(fits.fitted[0], cdnow), fits.fitted[0].probability_alive()
    )
    said = " ".join(findings)
    assert "ParetoNBD cannot be estimated on these data" in said
    assert "no evidence of dropout in this window" in said
    assert "BGNBD has the smallest mean absolute error" in said


def _values(model, summary):
    return customer_lifetime_value(model, None, summary, 26.0, 0.1, "W")


def test_refit_best_falls_back_to_the_next_best_model():
    data = _steady()
    comparison = pd.DataFrame(
        {"status": ["identified"] * 2, "holdout_mae": [0.5, 0.9]}, index=["ParetoNBD", "NBD"]
    )
    with pytest.warns(CrmlabWarning, match="the forecast uses NBD"):
        model = refit_best(comparison, data)
    assert type(model) is NBD and hasattr(model, "params_")


def test_spend_summary_leaves_out_repeat_customers_without_spend(cdnow):
    summary = cdnow.copy()
    repeat = summary.index[summary["frequency"] > 0]
    zero = repeat[0]
    summary.loc[zero, "monetary_value"] = 0.0
    n_repeat = len(repeat)
    with pytest.warns(
        CrmlabWarning, match=f"1 of {n_repeat:,} customers with repeat purchases spent 0"
    ):
        spend = spend_summary(summary)
    assert list(spend.columns) == ["frequency", "monetary_value"]
    assert spend.loc[zero, "frequency"] == 0.0
    assert (spend["frequency"].drop(zero) == summary["frequency"].drop(zero)).all()
    assert summary.loc[zero, "frequency"] > 0  # the input is not changed
    with pytest.raises(DataError, match="monetary_value"):
        GammaGamma().fit(summary)
    model = GammaGamma().fit(spend)
    mean = model.population_mean_spend()
    assert model.expected_average_spend(spend).loc[zero] == pytest.approx(mean)


def test_spend_summary_is_silent_when_every_repeat_customer_spent(cdnow):
    spend = spend_summary(cdnow)
    pd.testing.assert_series_equal(spend["frequency"], cdnow["frequency"])


def test_calibration_end_default_depends_on_the_data():
    tx = load_cdnow()
    assert calibration_end_or_default("", tx, bundled=True) == pd.Timestamp("1997-09-30")
    assert calibration_end_or_default("", tx) == default_calibration_end(tx)
    moved = tx.assign(date=tx["date"] + pd.DateOffset(years=27))
    assert calibration_end_or_default("", moved) == default_calibration_end(moved)
    assert calibration_end_or_default("2024-05-01", moved) == pd.Timestamp("2024-05-01")


@pytest.mark.parametrize(
    "error, reason, no_dropout",
    [
        (
            ConvergenceError("ParetoNBD: parameter(s) ['s'] ran to the bound of the search."),
            "its dropout parameter s ran to the edge of the search",
            True,
        ),
        (
            ConvergenceError("BGNBD: parameter(s) ['r'] ran to the bound of the search."),
            "its parameter r ran to the edge of the search",
            False,
        ),
        (
            ConvergenceError("BGNBD: the optimiser stopped (ABNORMAL). Try a penalizer."),
            "the optimiser stopped (ABNORMAL)",
            False,
        ),
    ],
)
def test_reasons_of_convergence_errors(error, reason, no_dropout):
    name = str(error).split(":")[0]

    class Failing(MODELS[name]):
        def fit(self, summary, **kwargs):
            raise error

    Failing.__name__ = name
    with pytest.warns(CrmlabWarning, match="not identified"):
        fits = fit_models([Failing()], _steady(200), require=False)
    assert fits.not_identified == {name: reason}
    assert (name in fits.no_dropout) is no_dropout


def test_fit_models_says_why_when_no_model_can_be_estimated():
    """Three one-purchase customers (issue 12, class 7): a DataError naming every model's reason,
    never a raw pandas error from an empty table."""
    summary = pd.DataFrame(
        {"frequency": [0.0, 0.0, 0.0], "recency": [0.0, 0.0, 0.0], "T": [20.0, 12.0, 3.0]},
        index=pd.Index(list("abc"), name="customer_id"),
    )
    names = ["BGNBD", "ParetoNBD", "MBGNBD", "NBD"]
    with pytest.raises(DataError, match="none of the transaction models") as info:
        fit_models(names, summary, warn=False)
    for name in names:
        assert name in str(info.value)
    assert fit_models(names, summary, warn=False, require=False).fitted == []
    with pytest.raises(ParameterError, match="at least one fitted model"):
        parameter_table([])


# ---------------------------------------------------------------- forecast choice

_PARETO = {"r": 0.55, "alpha": 10.6, "s": 0.61, "beta": 11.7}
_BG = {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.43}


@pytest.mark.parametrize(
    "kind, truth, other", [("paretonbd", "ParetoNBD", "BGNBD"), ("bgnbd", "BGNBD", "ParetoNBD")]
)
def test_choose_forecast_model_finds_the_true_model(kind, truth, other):
    """3,000 customers simulated from a known model: it wins on the holdout log score, and the
    paired-bootstrap interval of its lead excludes 0 (a clear winner, not a tie)."""
    data = simulate_with_holdout(kind, _PARETO if kind == "paretonbd" else _BG, 3000, 39.0, 1)
    fits = fit_models(["ParetoNBD", "BGNBD", "NBD"], data)
    choice = choose_forecast_model(data, fits)
    assert choice.criterion == "log_score"
    assert (choice.best, choice.runner_up) == (truth, other)
    assert not choice.tie and choice.lower > 0 and choice.models == [truth]
    assert choice.table.loc[truth, "rank"] == 1
    said = clv_findings(
        model_comparison(data, fits), fits.fitted[0], _values(fits.fitted[0], data),
        fits.fitted[0].probability_alive(), choice=choice,
    )[0]  # fmt: skip
    assert said.startswith(f"{truth} forecasts the holdout better than {other}, the next best:")
    assert "paired bootstrap over 3,000 customers" in said


def test_choose_forecast_model_reports_a_tie():
    """Two Pareto/NBD fits on independent samples of one population, scored on a third: they
    forecast equally well by construction, and the interval of the difference covers 0 (in 10
    of 10 such constructions run while writing this test)."""
    a = simulate_with_holdout("paretonbd", _PARETO, 1500, 39.0, 100)
    b = simulate_with_holdout("paretonbd", _PARETO, 1500, 39.0, 101)
    score = simulate_with_holdout("paretonbd", _PARETO, 1500, 39.0, 102)
    choice = choose_forecast_model(score, {"A": ParetoNBD().fit(a), "B": ParetoNBD().fit(b)})
    assert choice.tie
    assert choice.lower <= 0 <= choice.upper
    assert set(choice.models) == {"A", "B"}
    from crmlab.clv.findings import _choice_sentence

    said = _choice_sentence(choice)
    assert "forecast the holdout equally well" in said and "averages both" in said
    assert "best" not in said


def test_choose_forecast_model_equivalent_models_and_rmse(cdnow):
    """BG/CNBD-k with k = 1 is the BG/NBD: same scores, listed as equivalent, never the
    runner-up; RMSE (for models without a count pmf) bootstraps the RMSE difference."""
    fits = fit_models(["BGNBD", "ParetoNBD"], cdnow)
    same = {
        "BGNBD": fits.fitted[0],
        "BGCNBD": clv.BGCNBD(k=1).fit(cdnow),
        "ParetoNBD": fits.fitted[1],
    }
    choice = choose_forecast_model(cdnow, same)
    assert choice.runner_up != "BGCNBD" and "BGCNBD" in choice.equivalent + [choice.best]
    rmse = choose_forecast_model(cdnow, fits, criterion="rmse")
    scores = holdout_scores(cdnow, fits.fitted)["squared_error"]
    direct = np.sqrt(scores[rmse.runner_up].mean()) - np.sqrt(scores[rmse.best].mean())
    assert rmse.difference == pytest.approx(direct)
    assert rmse.lower <= rmse.difference <= rmse.upper
    with pytest.raises(ParameterError, match="criterion"):
        choose_forecast_model(cdnow, fits, criterion="mae")


def test_average_clv_envelope(cdnow):
    fits = fit_models(["BGNBD", "ParetoNBD"], cdnow)
    part = cdnow.iloc[:200]
    tables = [
        customer_lifetime_value(m, None, part, 13, 0.1, "W", n_draws=5, seed=0) for m in fits.fitted
    ]
    avg = clv.average_clv(tables)
    np.testing.assert_allclose(avg["clv"], (tables[0]["clv"] + tables[1]["clv"]) / 2)
    assert (
        avg["clv_lower"] <= np.minimum(tables[0]["clv_lower"], tables[1]["clv_lower"]) + 1e-12
    ).all()
    assert avg.attrs["models_averaged"] == 2
    assert clv.average_clv(tables[:1]) is tables[0]


def test_new_models_by_name_and_tracking_support(cdnow):
    names = ["GGomNBD", "BGCNBD", "MBGCNBD", "ParetoNBDCorrelated", "NBD"]
    assert [type(m).__name__ for m in make_models(names)] == names
    assert not clv.supports_tracking(clv.ParetoNBDCorrelated().fit(cdnow))
    assert clv.supports_tracking(fit_models(["NBD"], cdnow).fitted[0])


def test_diagnostic_model_skips_models_without_new_customer_predictions(cdnow):
    corr = clv.ParetoNBDCorrelated().fit(cdnow)
    bg = fit_models(["BGNBD"], cdnow).fitted[0]
    table = pd.DataFrame(
        {"log_score": [np.nan, -0.98], "rmse": [1.60, 1.61], "rank": [1, 2]},
        index=pd.Index(["ParetoNBDCorrelated", "BGNBD"], name="model"),
    )
    choice = clv.ForecastChoice("rmse", table, "ParetoNBDCorrelated", "BGNBD", 0.0, -0.1, 0.1,
                                True, ["ParetoNBDCorrelated", "BGNBD"], 0.05, 100, len(cdnow))  # fmt: skip
    assert not clv.supports_diagnostics(corr) and clv.supports_diagnostics(bg)
    with pytest.warns(CrmlabWarning, match="next model on the holdout"):
        assert clv.diagnostic_model(choice, [corr, bg]) is bg


def test_forecast_never_uses_a_model_without_parameter_draws(cdnow):
    """Pareto/NBD with correlation has no count pmf (the choice falls back on RMSE) and no
    parameter draws: it may win the comparison, but the CLV uses another model, and says so."""
    models = [clv.ParetoNBDCorrelated().fit(cdnow), fit_models(["BGNBD"], cdnow).fitted[0]]
    choice = choose_forecast_model(cdnow, models)
    assert choice.criterion == "rmse"
    assert "ParetoNBDCorrelated" not in choice.models and choice.models
    if "ParetoNBDCorrelated" in (choice.best, choice.runner_up) and (
        choice.tie or choice.best == "ParetoNBDCorrelated"
    ):
        assert "has no parameter draws for CLV intervals" in choice.note
