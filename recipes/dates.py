"""Date columns: calendar features computed inside the model from ISO text.

A column whose every present value is an ISO-8601 date ("2020-01-31", or a
timestamp "2020-01-31T10:00:00" whose date part is used; the schema finds
them, `recipes.schema.is_date_column`) becomes its year
(standardized) and the sine and cosine of its month, weekday and day of the
year, so a served row sends the CSV's own text.

>>> import pandas as pd
>>> values = pd.Series(["2020-01-31", "2021-07-04", None])
>>> layer = date_layer(values, name="when")
>>> features = layer(keras.ops.convert_to_tensor(["2020-01-31", ""]))
>>> [round(float(v), 3) for v in features[0]]  # year, month, weekday, day
[-1.0, 0.0, 1.0, -0.434, -0.901, 0.493, 0.87, 0.0]
>>> [float(v) for v in features[1]]  # not a date: zeros, flagged
[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from recipes.schema import ISO_DATE

WIDTH = 7  # the year, then a sine and a cosine for each cycle
MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@keras.saving.register_keras_serializable(package="recipes")
class DateFeatures(keras.layers.Layer):
    """Calendar features of ISO-8601 date text, one row per string.

    For a date y-m-d: (y - year_mean) / year_std, then sin and cos of
    2 pi (m - 1) / 12, of 2 pi w / 7 (w the weekday, Monday 0) and of
    2 pi (d' - 1) / n (d' the day of the year, n the days of that year).
    Text that is no such date (missing is "") gives zeros and, with
    `indicate`, a 1 in an extra last column.

    Args:
        year_mean, year_std: the training dates' year statistics.
        indicate: append a column flagging text that is no date.
    """

    def __init__(
        self, year_mean: float, year_std: float, indicate: bool, **kwargs
    ):
        super().__init__(**kwargs)
        self.year_mean, self.year_std = float(year_mean), float(year_std)
        self.indicate = bool(indicate)

    def call(self, text):
        text = tf.convert_to_tensor(text, tf.string)
        valid = tf.strings.regex_full_match(text, ISO_DATE)
        text = tf.where(valid, text, "2000-01-01")
        year, month, day = (
            tf.strings.to_number(tf.strings.substr(text, start, size), tf.int64)
            for start, size in ((0, 4), (5, 2), (8, 2))
        )
        valid &= (month >= 1) & (month <= 12) & (day >= 1)
        month = tf.clip_by_value(month, 1, 12)
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        length = tf.gather(tf.constant(MONTH_DAYS, tf.int64), month - 1)
        length += tf.cast(leap & (month == 2), tf.int64)
        valid &= day <= length
        days = _days_since_1970(year, month, day)
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday
        january = tf.ones_like(year)
        day_of_year = days - _days_since_1970(year, january, january)
        year_length = 365.0 + tf.cast(leap, tf.float32)
        cycles = (
            tf.cast(month - 1, tf.float32) / 12.0,
            tf.cast(weekday, tf.float32) / 7.0,
            tf.cast(day_of_year, tf.float32) / year_length,
        )
        columns = [(tf.cast(year, tf.float32) - self.year_mean) / self.year_std]
        for share in cycles:
            angle = 2 * math.pi * share
            columns += [tf.sin(angle), tf.cos(angle)]
        columns = [tf.where(valid, column, 0.0) for column in columns]
        if self.indicate:
            columns.append(tf.cast(~valid, tf.float32))
        return tf.stack(columns, axis=-1)

    @property
    def width(self) -> int:
        """The number of features per date: 7, and the flag if any."""
        return WIDTH + self.indicate

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.width)

    def get_config(self):
        return {
            **super().get_config(),
            "year_mean": self.year_mean,
            "year_std": self.year_std,
            "indicate": self.indicate,
        }


def _days_since_1970(year, month, day):
    """Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
    days_from_civil), elementwise on int64 tensors."""
    year = year - tf.cast(month <= 2, tf.int64)
    era = tf.math.floordiv(year, 400)
    year_of_era = year - era * 400
    shifted = tf.where(month > 2, month - 3, month + 9)  # March is 0
    day_of_year = (153 * shifted + 2) // 5 + day - 1
    day_of_era = (
        year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    )
    return era * 146097 + day_of_era - 719468


def date_layer(values: pd.Series, name: str) -> DateFeatures:
    """A DateFeatures layer fitted to a training column of ISO dates."""
    text = values.dropna().astype(str)
    text = text[text.str.fullmatch(ISO_DATE)]
    years = pd.to_datetime(
        text.str.slice(0, 10), format="%Y-%m-%d", errors="coerce"
    ).dt.year
    years = years.dropna().to_numpy(dtype=np.float64)
    mean = years.mean() if len(years) else 0.0
    std = years.std() if len(years) else 0.0
    return DateFeatures(
        year_mean=mean,
        year_std=std if std > 0 else 1.0,
        indicate=len(years) < len(values),
        name=name,
    )
