"""Ensembles: averaging members, and the parameter-efficient BatchEnsemble."""

from custom_layers.ensemble.batch_ensemble_dense import BatchEnsembleDense
from custom_layers.ensemble.ensemble import Ensemble
from custom_layers.ensemble.ensemble_mean import EnsembleMean

__all__ = ["BatchEnsembleDense", "Ensemble", "EnsembleMean"]
