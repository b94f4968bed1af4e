"""Count predictions of the BG/NBD with static covariates use each customer's own parameters
(``alpha_i = alpha exp(-g_p . z)``, ``a_i = a exp(g_d . z)``, ``b_i = b exp(g_d . z)``): each
equals the plain BG/NBD's prediction at that customer's parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import BGNBD
from crmlab.datasets import cdnow_first_purchase_covariates, load_cdnow

COV = ["log_first_spend", "multi_cd"]


@pytest.fixture(scope="module")
def data(cdnow):
    return cdnow.join(cdnow_first_purchase_covariates(load_cdnow()))


@pytest.fixture(scope="module")
def model(data):
    return BGNBD(purchase_covariates=COV, dropout_covariates=COV).fit(data)


def test_count_predictions_use_each_customers_parameters(model, data):
    sample = pd.concat([data.iloc[::400], data.nlargest(2, "frequency")])
    coef, base = model.coefficients_, model.params_
    z = sample[COV].to_numpy()
    alpha = base["alpha"] * np.exp(-(z @ coef["purchase"].reindex(COV).to_numpy()))
    scale = np.exp(z @ coef["dropout"].reindex(COV).to_numpy())
    got = {
        "pmf": model.conditional_probability_of_purchases(2, 10.0, sample),
        "none": model.probability_no_purchase(10.0, sample),
        "after": model.probability_alive_after(10.0, sample),
    }
    for i in range(len(sample)):
        plain = BGNBD()
        plain.params_ = pd.Series(
            {
                "r": base["r"],
                "alpha": alpha[i],
                "a": base["a"] * scale[i],
                "b": base["b"] * scale[i],
            }
        )
        row = sample.iloc[[i]]
        want = {
            "pmf": plain.conditional_probability_of_purchases(2, 10.0, row),
            "none": plain.probability_no_purchase(10.0, row),
            "after": plain.probability_alive_after(10.0, row),
        }
        for key, value in want.items():
            assert got[key].iloc[i] == pytest.approx(value.iloc[0], rel=1e-10), key
