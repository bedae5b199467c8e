"""Temperature scaling: calibrated class probabilities, inside the model.

A classifier's probabilities p become p' proportional to p ** (1 / T),
i.e. its log-probabilities (for one network, its logits up to a constant)
divided by a temperature T fitted on held-out rows to their log-loss
(Guo et al., ICML 2017, "On Calibration of Modern Neural Networks").
T > 1 softens overconfident probabilities, T < 1 sharpens timid ones (label
smoothing's); each row's ranking of the classes stays as it was, so
accuracy and ROC AUC do not change.

>>> import numpy as np
>>> labels = np.array([0, 1, 1, 0, 1])
>>> confident = np.array([[0.99, 0.01], [0.02, 0.98], [0.97, 0.03],
...                       [0.98, 0.02], [0.01, 0.99]])
>>> temperature = fit_temperature(confident, labels)
>>> round(temperature, 2) > 1  # one confident mistake in five: softer
True
>>> layer = Temperature(temperature, binary=False)
>>> np.asarray(layer(confident)).argmax(axis=1).tolist()
[0, 1, 0, 0, 1]
"""

from __future__ import annotations

import keras
import numpy as np
from scipy import optimize, special

EPSILON = 1e-7  # probabilities are clipped to [EPSILON, 1 - EPSILON]
BOUNDS = (0.05, 20.0)  # the temperatures searched
PRIOR_SCALE = 1.0  # log T ~ N(0, 1) a priori: few rows cannot push T far


@keras.saving.register_keras_serializable(package="recipes")
class Temperature(keras.layers.Layer):
    """Class probabilities divided in log space by a temperature.

    p'_k = p_k ** (1/T) / sum_j p_j ** (1/T), with p clipped to
    [1e-7, 1 - 1e-7]. With `binary`, the input is the positive class's
    probability q (shape [n, 1]), read as the two classes (1 - q, q).

    Args:
        temperature: T > 0; 1 leaves the probabilities as they are.
        binary: the input is one sigmoid probability per row.
    """

    def __init__(self, temperature: float, binary: bool, **kwargs):
        super().__init__(**kwargs)
        self.temperature, self.binary = float(temperature), bool(binary)

    def call(self, probabilities):
        ops = keras.ops
        p = ops.clip(probabilities, EPSILON, 1.0 - EPSILON)
        if self.binary:
            p = ops.concatenate([1.0 - p, p], axis=-1)
        p = ops.softmax(ops.log(p) / self.temperature, axis=-1)
        return p[:, 1:] if self.binary else p

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "temperature": self.temperature,
            "binary": self.binary,
        }


def fit_temperature(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimizing the log-loss of held-out rows, under a
    log-normal prior (the MAP estimate): the n rows' summed log-loss plus
    (log T)^2 / 2. Without it, held-out rows all predicted right would
    drive T to its lower bound, and every later mistake cost ~20 nats.

    Args:
        probabilities: [n, K] class probabilities.
        labels: [n] class indices.
    """
    p = np.clip(np.asarray(probabilities, np.float64), EPSILON, 1 - EPSILON)
    logs, rows = np.log(p), np.arange(len(labels))

    def objective(log_temperature: float) -> float:
        scaled = logs / np.exp(log_temperature)
        scaled -= special.logsumexp(scaled, axis=1, keepdims=True)
        prior = 0.5 * (log_temperature / PRIOR_SCALE) ** 2
        return -scaled[rows, labels].sum() + prior

    best = optimize.minimize_scalar(
        objective, bounds=np.log(BOUNDS), method="bounded"
    )
    return float(np.exp(best.x))
