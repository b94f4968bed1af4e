"""crmlab's BG/NBD, Pareto/NBD and Gamma-Gamma against the reference package lifetimes 0.11.3.

Both implementations maximise the same likelihoods (FHL 2005a, eq. 6 for BG/NBD; Schmittlein,
Morrison and Colombo 1987 / Fader and Hardie 2005 note 008 for Pareto/NBD; Fader and Hardie 2013,
eq. 1a for Gamma-Gamma), so on the CDNOW 39-week calibration summary the estimates agree to the
optimisers' tolerance. lifetimes' log-likelihood is evaluated with its own likelihood function at
its estimates on the unscaled data (lifetimes fits on rescaled time, which shifts its reported
value by a constant). This cross-check used to ship in the library (``crmlab.clv.
lifetimes_crosscheck``) and in notebook 03; it is a test now, and lifetimes a dev dependency.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import MODELS


def _lifetimes_fit(lifetimes, name: str, summary: pd.DataFrame, seed: int):
    """Fit lifetimes' counterpart of ``name``; return (params Series, log-likelihood)."""
    x = summary["frequency"].to_numpy(dtype=float)
    if name == "GammaGamma":
        rep = summary.loc[summary["frequency"] > 0]
        xr = rep["frequency"].to_numpy(dtype=float)
        mr = rep["monetary_value"].to_numpy(dtype=float)
        fitter = lifetimes.GammaGammaFitter().fit(xr, mr)
        params = fitter.params_.rename({"v": "gamma"})
        nll = fitter._negative_log_likelihood(
            np.log(params.to_numpy()), xr, mr, np.ones(len(xr)), 0.0
        )
        return params, -nll * len(xr)
    tx = summary["recency"].to_numpy(dtype=float)
    T = summary["T"].to_numpy(dtype=float)
    if name == "BGNBD":
        fitter = lifetimes.BetaGeoFitter().fit(x, tx, T)
        params = fitter.params_[["r", "alpha", "a", "b"]]
        nll = fitter._negative_log_likelihood(
            np.log(params.to_numpy()), x, tx, T, np.ones(len(x)), 0.0
        )
        return params, -nll * len(x)
    # lifetimes draws its Pareto/NBD start from numpy's global generator; draw the same kind of
    # start (normal around 1, sd 0.05) from a seeded generator instead
    initial = np.random.default_rng(seed).normal(1.0, 0.05, size=4)
    fitter = lifetimes.ParetoNBDFitter().fit(x, tx, T, initial_params=initial)
    params = fitter.params_[["r", "alpha", "s", "beta"]]
    nll = fitter._negative_log_likelihood(params.to_numpy(), x, tx, T, np.ones(len(x)), 0.0)
    return params, -float(nll)


def _crosscheck(lifetimes, summary: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Rows ``model``, ``parameter`` (the parameters, then ``log_likelihood``), ``crmlab``,
    ``lifetimes``, ``abs_diff`` and ``rel_diff``."""
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in ("BGNBD", "ParetoNBD", "GammaGamma"):
            ours = MODELS[name]().fit(summary)
            theirs, their_ll = _lifetimes_fit(lifetimes, name, summary, seed)
            for param, value in ours.params_.items():
                rows.append((name, param, float(value), float(theirs[param])))
            rows.append((name, "log_likelihood", float(ours.log_likelihood_), float(their_ll)))
    out = pd.DataFrame(rows, columns=["model", "parameter", "crmlab", "lifetimes"])
    out["abs_diff"] = (out["crmlab"] - out["lifetimes"]).abs()
    out["rel_diff"] = out["abs_diff"] / out["lifetimes"].abs()
    return out


@pytest.fixture(scope="module")
def table(cdnow, lifetimes):
    return _crosscheck(lifetimes, cdnow, seed=1)


def test_estimates_agree_with_lifetimes(table):
    assert list(table["model"].unique()) == ["BGNBD", "ParetoNBD", "GammaGamma"]
    params = table.loc[table["parameter"] != "log_likelihood"]
    assert len(params) == 11
    assert (params["rel_diff"] < 1e-3).all()


def test_log_likelihoods_agree_with_lifetimes_and_fhl_2005(table):
    ll = table.loc[table["parameter"] == "log_likelihood"].set_index("model")
    assert ll.loc["BGNBD", "crmlab"] == pytest.approx(-9582.4, abs=0.1)  # FHL 2005, BG/NBD LL
    assert ll.loc["ParetoNBD", "lifetimes"] == pytest.approx(-9595.0, abs=0.1)
    assert (ll["abs_diff"] < 1e-3).all()
