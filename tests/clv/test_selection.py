"""Tests of crmlab.clv.selection: models by name, the default calibration end, the best model."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab.clv import (
    BGNBD,
    MBGNBD,
    ParetoNBD,
    best_model,
    default_calibration_end,
    make_models,
)
from crmlab.datasets import load_cdnow
from crmlab.errors import DataError, ParameterError


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
