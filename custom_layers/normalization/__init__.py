"""Normalization layers: batch and layer normalization."""

from custom_layers.normalization.batch_norm import BatchNorm
from custom_layers.normalization.layer_norm import LayerNorm

__all__ = ["BatchNorm", "LayerNorm"]
