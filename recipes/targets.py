"""How a regression target is scaled for training, and back for serving.

The network learns `(t(y) - mean) / std`, where t is the identity or
`log1p` (for a non-negative target with a long right tail: prices, counts,
durations); the exported model applies the inverse
(`preprocessing.InverseTarget`), so predictions are in the target's units
and metrics stay on the raw scale.

>>> scale = TargetScale.fit(np.array([1.0, 10.0, 100.0, 1000.0]), "log1p")
>>> round(float(scale.inverse(scale.forward(np.array([10.0])))[0]), 4)
10.0
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import stats

TRANSFORMS = ("auto", "none", "log1p")
SKEWED = 2.0  # "auto": log1p when the target's skewness is above this
LOG_CLIP = 80.0  # the inverse: expm1 beyond this nears float32's overflow


@dataclasses.dataclass(frozen=True)
class TargetScale:
    """The training target's transform and its mean and std after it."""

    mean: float
    std: float
    log: bool = False

    @classmethod
    def fit(cls, y: np.ndarray, transform: str = "auto") -> TargetScale:
        """The scale of training targets `y` under `transform` ("auto":
        log1p when `y` is non-negative and its skewness exceeds
        `SKEWED`)."""
        log = transform == "log1p" or (transform == "auto" and skewed(y))
        t = np.log1p(y) if log else y
        return cls(float(t.mean()), float(t.std()) or 1.0, log)

    def forward(self, y: np.ndarray) -> np.ndarray:
        """Targets as the network learns them, float32."""
        t = np.log1p(y) if self.log else y
        return ((t - self.mean) / self.std).astype(np.float32)

    def inverse(self, z: np.ndarray) -> np.ndarray:
        """Network outputs back in the target's units (NumPy twin of
        `preprocessing.InverseTarget`)."""
        t = z * self.std + self.mean
        return np.expm1(np.clip(t, 0.0, LOG_CLIP)) if self.log else t


def skewed(y: np.ndarray) -> bool:
    """Whether `y` is non-negative with a long right tail."""
    return bool(y.min() >= 0 and stats.skew(y) > SKEWED)
