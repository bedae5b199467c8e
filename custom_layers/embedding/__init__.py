"""Embeddings of tabular features: categories and numbers to vectors."""

from custom_layers.embedding.category_embedding import (
    CategoryEmbedding,
    embedding_size,
)
from custom_layers.embedding.periodic_embedding import PeriodicEmbedding

__all__ = ["CategoryEmbedding", "PeriodicEmbedding", "embedding_size"]
