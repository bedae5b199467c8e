"""Random small tables through fit and predict: a result or our own error.

Hypothesis draws column kinds, missing cells, odd and unicode strings and
headers; whatever it draws, keras-recipes either trains and predicts one row
per input row, or raises one of its own `RecipeError`s — never anything else.
"""

import string

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recipes import BinaryClassification, RecipeError

TEXT = st.text(
    alphabet=string.ascii_letters + "é ü,;\"'\n\t-—中0", min_size=0, max_size=6
)
NAMES = st.text(
    alphabet=string.ascii_letters + " é中_-.1", min_size=1, max_size=8
)


@st.composite
def tables(draw):
    rows = draw(st.integers(min_value=1, max_value=40))
    names = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    frame = {}
    for name in names:
        kind = draw(st.sampled_from(["float", "int", "text", "bool"]))
        if kind == "float":
            values = draw(
                st.lists(
                    st.one_of(
                        st.floats(
                            allow_nan=True, allow_infinity=True, width=32
                        ),
                        st.none(),
                    ),
                    min_size=rows,
                    max_size=rows,
                )
            )
        elif kind == "int":
            values = draw(
                st.lists(st.integers(-5, 5), min_size=rows, max_size=rows)
            )
        elif kind == "text":
            values = draw(
                st.lists(
                    st.one_of(TEXT, st.none()), min_size=rows, max_size=rows
                )
            )
        else:
            values = draw(st.lists(st.booleans(), min_size=rows, max_size=rows))
        frame[name] = values
    labels = draw(
        st.lists(
            st.sampled_from(["yes", "no", None]), min_size=rows, max_size=rows
        )
    )
    frame["target column"] = labels
    return pd.DataFrame(frame)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(frame=tables(), as_csv=st.booleans())
def test_random_tables_give_a_result_or_our_error(
    frame, as_csv, tmp_path_factory
):
    data = frame
    if as_csv:
        data = tmp_path_factory.mktemp("random") / "table.csv"
        frame.to_csv(data, index=False)
    recipe = BinaryClassification(target="target column", epochs=1, ensemble=1)
    try:
        recipe.fit(data)
    except RecipeError:
        return
    predictions = recipe.predict(data)
    assert len(predictions) == len(frame)
    assert set(predictions["class"]) <= {"yes", "no"}
    probabilities = predictions[["proba_no", "proba_yes"]].to_numpy()
    assert np.isfinite(probabilities).all()
