"""Tests of crmlab.value.ratings: reading and checking the ratings contract."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab import value as V
from crmlab.errors import DataError, ParameterError

# ------------------------------------------------------------------------------ reading


def test_read_ratings_maps_columns_and_normalises_kind(small):
    raw = small().rename(columns={"brand": "Marke", "rating": "Note"})
    raw["kind"] = raw["kind"].str.upper() + "S "
    out = V.read_ratings(raw, columns={"Marke": "brand", "Note": "rating"})
    assert list(out.columns[:6]) == [*V.RATING_COLUMNS, "importance"]
    assert set(out["kind"]) == {"benefit", "cost"}


def test_read_ratings_unknown_kind_names_column_and_rows(small):
    raw = small()
    raw.loc[[2, 5], "kind"] = "price"
    with pytest.raises(DataError) as err:
        V.read_ratings(raw)
    assert err.value.column == "kind"
    assert err.value.rows == [2, 5]
    assert "'price'" in str(err.value)


def test_read_ratings_outside_scale_from_csv_reports_file_lines(tmp_path, small):
    raw = small()
    raw.loc[3, "rating"] = 9
    path = tmp_path / "ratings.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(DataError) as err:
        V.read_ratings(path)
    assert err.value.column == "rating"
    assert err.value.rows == [5]  # header is line 1, row 3 is line 5
    assert V.read_ratings(path, scale=(0, 10))["rating"].max() == 9


@pytest.mark.parametrize("column", ["respondent_id", "brand"])
def test_read_ratings_missing_ids(column, small):
    raw = small().astype({column: object})
    raw.loc[[1, 7], column] = None
    with pytest.raises(DataError) as err:
        V.read_ratings(raw)
    assert err.value.column == column
    assert err.value.rows == [1, 7]


def test_read_ratings_duplicates_and_mixed_kinds(small):
    raw = pd.concat([small(), small().iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match="repeated ratings"):
        V.read_ratings(raw)
    raw = small()
    raw.loc[0, "kind"] = "cost"
    with pytest.raises(DataError, match="more than one kind"):
        V.read_ratings(raw)


def test_read_ratings_missing_column_and_bad_scale(small):
    with pytest.raises(DataError, match="'rating'"):
        V.read_ratings(small().drop(columns="rating"))
    with pytest.raises(ParameterError):
        V.read_ratings(small(), scale=(7, 1))


def test_segment_column_default_only_on_the_simulation():
    import warnings

    from crmlab.datasets import simulate_brand_ratings
    from crmlab.errors import CrmlabWarning, DataError

    ratings, _ = simulate_brand_ratings(30, seed=1)
    assert V.segment_column_or_default(ratings, "", simulated=True) == "segment"
    own = ratings.rename(columns={"segment": "Kundentyp"})
    with pytest.warns(CrmlabWarning, match="Kundentyp"):
        assert V.segment_column_or_default(own) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error", CrmlabWarning)
        assert V.segment_column_or_default(own, "Kundentyp") == "Kundentyp"
    with pytest.raises(DataError, match="not a column"):
        V.segment_column_or_default(own, "segment")


def test_rating_scale_inferred_when_not_given(tmp_path):
    from crmlab import inputs
    from crmlab.errors import CrmlabWarning

    raw = pd.DataFrame(
        {"respondent_id": [1, 1, 2, 2], "brand": ["A"] * 4,
         "attribute": ["product", "money"] * 2, "kind": ["benefit", "cost"] * 2,
         "rating": [0, 10, 4, 6]}
    )  # fmt: skip
    with pytest.raises(DataError, match="scale_min and scale_max"):
        V.read_ratings(raw)  # the 1-7 default refuses 0 and 10, and says how to pass the scale
    with pytest.warns(CrmlabWarning, match="inferred from the ratings: 0-10"):
        assert V.read_ratings(raw, scale=(None, None))["rating"].max() == 10
    with pytest.raises(DataError, match="not whole scale points"):
        V.read_ratings(raw.assign(rating=[0.5, 10, 4, 6]), scale=None)
    with pytest.raises(DataError, match="fewer than three"):
        V.read_ratings(raw.assign(rating=[4, 5, 4, 5]), scale=None)
    path = tmp_path / "r.csv"
    raw.to_csv(path, index=False)
    with pytest.warns(CrmlabWarning, match="0-10"):
        got, truth = inputs.ratings_or_default(str(path), scale=(None, None))
    assert truth is None and len(got) == 4
    simulated, _ = inputs.ratings_or_default("", n_respondents=20, scale=(None, None))
    assert simulated["rating"].between(1, 7).all()
