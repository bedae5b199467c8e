"""Date columns: found by the schema, turned into calendar features in the
model (compared with pandas' calendar), served from the CSV's own text."""

import numpy as np
import pandas as pd
import pytest

from recipes.dates import DateFeatures, date_layer
from recipes.schema import infer_schema, is_date_column


def _calendar(days: pd.Series, year_mean: float, year_std: float):
    """The features DateFeatures documents, from pandas' own calendar."""
    cycles = (
        (days.dt.month - 1) / 12,
        days.dt.day_of_week / 7,
        (days.dt.day_of_year - 1) / (365 + days.dt.is_leap_year),
    )
    columns = [(days.dt.year - year_mean) / year_std]
    for share in cycles:
        columns += [np.sin(2 * np.pi * share), np.cos(2 * np.pi * share)]
    return np.stack([np.asarray(c, dtype=np.float64) for c in columns], 1)


def test_features_match_pandas_calendar_over_five_centuries():
    rng = np.random.default_rng(0)
    start = pd.Timestamp("1700-01-01")
    days = start + pd.to_timedelta(rng.integers(0, 182_000, 3000), unit="D")
    # leap days and year ends, where a slip of one day shows
    edges = pd.to_datetime(
        ["2000-02-29", "1900-03-01", "2024-12-31", "2023-01-01", "2100-02-28"]
    )
    days = pd.Series(days.append(edges))
    text = days.dt.strftime("%Y-%m-%d")
    text[::7] = text[::7] + "T23:59:59"  # timestamps use their date part
    layer = date_layer(text, name="when")
    got = np.asarray(layer(text.to_numpy(dtype=object)))
    assert got.shape == (len(days), 7)  # no flag: every value is a date
    expected = _calendar(days, days.dt.year.mean(), days.dt.year.std(ddof=0))
    # float32 sines and cosines of angles below 2 pi
    np.testing.assert_allclose(got, expected, atol=2e-5, rtol=1e-5)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2021-02-29",
        "2020-13-01",
        "2020-04-31",
        "2020-00-10",
        "2020/01/01",
        "soon",
        "2020-01-01 garbage",
    ],
)
def test_text_that_is_no_date_gives_zeros_and_a_flag(text):
    layer = DateFeatures(year_mean=2000.0, year_std=10.0, indicate=True)
    features = np.asarray(layer(np.array([text, "2020-02-29"], dtype=object)))
    np.testing.assert_array_equal(features[0], [0.0] * 7 + [1.0])
    assert features[1, 0] == pytest.approx(2.0)  # (2020 - 2000) / 10
    assert features[1, -1] == 0.0


def test_schema_reads_iso_dates_and_leaves_other_text():
    frame = pd.DataFrame(
        {
            "day": ["2020-01-31", None, "2021-07-04", "2019-12-31"],
            "stamp": [
                "2020-01-31T10:00:00Z",
                "2020-02-01 08:00",
                None,
                "2020-02-02T09:30:00.5+01:00",
            ],
            "not_a_day": ["2020-02-30", "2020-01-01", "2020-01-02", None],
            "us_style": ["01/31/2020", "02/01/2020", "02/02/2020", None],
            "year": [2020, 2021, 2019, 2018],
            "y": [0, 1, 0, 1],
        }
    )
    schema, notes = infer_schema(frame, "y", "binary")
    kinds = {c.name: c.kind for c in schema.columns}
    assert kinds == {
        "day": "date",
        "stamp": "date",
        "not_a_day": "categorical",
        "us_style": "categorical",
        "year": "numeric",
    }
    assert any("'day'" in note and "ISO dates" in note for note in notes)
    assert not is_date_column(pd.Series([None, None], dtype=object))
