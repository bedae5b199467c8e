"""Ensembles: averaging members, BatchEnsemble and TabM's pieces."""

from custom_layers.ensemble.batch_ensemble_dense import BatchEnsembleDense
from custom_layers.ensemble.ensemble import Ensemble
from custom_layers.ensemble.ensemble_dense import EnsembleDense
from custom_layers.ensemble.ensemble_mean import EnsembleMean
from custom_layers.ensemble.mean_member_loss import MeanMemberLoss
from custom_layers.ensemble.member_scale import MemberScale

__all__ = [
    "BatchEnsembleDense",
    "Ensemble",
    "EnsembleDense",
    "EnsembleMean",
    "MeanMemberLoss",
    "MemberScale",
]
