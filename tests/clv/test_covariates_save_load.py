"""Save and load of the covariate models (static, correlated with covariates, time-varying):
the loaded model has the fitted summary and coefficients, predicts on the summary it is given
(static models), and refuses to predict for fitted customers it does not hold."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab.clv import GGomNBD, ParetoNBD, ParetoNBDDynamic
from crmlab.datasets import cdnow_first_purchase_covariates, cdnow_spring_covariates, load_cdnow
from crmlab.errors import DataError
from crmlab.estimation import load_model

COV = ["log_first_spend", "multi_cd"]


@pytest.fixture(scope="module")
def data(cdnow):
    return cdnow.join(cdnow_first_purchase_covariates(load_cdnow()))


def _round_trip(model, tmp_path):
    path = tmp_path / "model.json"
    model.save(path)
    loaded = load_model(path)
    assert type(loaded) is type(model)
    pd.testing.assert_frame_equal(loaded.summary(), model.summary(), rtol=1e-12)
    pd.testing.assert_series_equal(loaded.coefficients_, model.coefficients_)
    pd.testing.assert_series_equal(loaded.params_, model.params_)
    pd.testing.assert_frame_equal(loaded.draw_params(3), model.draw_params(3))
    return loaded


@pytest.mark.parametrize(
    "make",
    [
        lambda: ParetoNBD(
            purchase_covariates=COV,
            dropout_covariates=["multi_cd"],
            constrain_covariates=["multi_cd"],
        ),
        lambda: ParetoNBD(correlation=True, purchase_covariates=COV, dropout_covariates=COV),
        lambda: GGomNBD(purchase_covariates=COV, dropout_covariates=COV),
    ],
    ids=["static", "correlated", "ggom"],
)
def test_static_covariate_models_round_trip(make, data, tmp_path):
    model = make().fit(data)
    loaded = _round_trip(model, tmp_path)
    pd.testing.assert_series_equal(loaded.probability_alive(data), model.probability_alive(data))
    with pytest.raises(DataError, match="without its data"):
        loaded.probability_alive()


def test_dynamic_model_round_trip(tmp_path):
    tx = load_cdnow()
    model = ParetoNBDDynamic(["spring"], ["spring"]).fit(
        tx, cdnow_spring_covariates(tx), calibration_end="1997-09-30"
    )
    loaded = _round_trip(model, tmp_path)
    assert loaded.calibration_end_ == "1997-09-30" and loaded.time_unit_ == "W"
    with pytest.raises(DataError, match="loaded without its data"):
        loaded.probability_alive()
