"""Regularization layers: dropout and input noise."""

from custom_layers.regularization.dropout import Dropout
from custom_layers.regularization.gaussian_noise import GaussianNoise

__all__ = ["Dropout", "GaussianNoise"]
