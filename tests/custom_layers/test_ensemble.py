"""Ensemble, EnsembleMean and BatchEnsembleDense."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from layer_helpers import finite_differences, rng, tape_gradients

import custom_layers as cl


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_ensemble_is_the_mean_of_its_members():
    x = rng().normal(size=(10, 4)).astype("float32")
    members = [cl.Dense(1, seed=k) for k in range(3)]
    ensemble = cl.Ensemble(members)
    y = np.asarray(ensemble(x))
    outputs = np.stack([np.asarray(m(x)) for m in members])
    np.testing.assert_allclose(y, outputs.mean(axis=0), rtol=1e-6)
    # The ambiguity decomposition, for any target.
    target = rng(1).normal(size=y.shape)
    average_error = ((outputs - target) ** 2).mean(axis=0)
    ambiguity = ((outputs - y) ** 2).mean(axis=0)
    np.testing.assert_allclose(
        average_error, (y - target) ** 2 + ambiguity, rtol=1e-5, atol=1e-6
    )
    assert np.all((y - target) ** 2 <= average_error + 1e-6)


def test_classification_ensemble_averages_probabilities_not_logits():
    x = rng().normal(size=(10, 4)).astype("float32")
    inputs = keras.Input((4,))
    model = keras.Model(inputs, cl.Dense(3, activation="tanh")(inputs))
    members = [cl.Dense(3, seed=1), model]
    ensemble = cl.Ensemble(members, member_activation="softmax")
    y = np.asarray(ensemble(x))
    probabilities = [_softmax(np.asarray(m(x), dtype=float)) for m in members]
    np.testing.assert_allclose(y, np.mean(probabilities, axis=0), rtol=1e-5)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-6)
    logits_mean = np.mean([np.asarray(m(x)) for m in members], axis=0)
    assert not np.allclose(y, _softmax(logits_mean), atol=1e-3)
    assert len(ensemble.trainable_weights) == 4
    assert ensemble.compute_output_shape((None, 4)) == (None, 3)


@pytest.mark.parametrize("classes", [1, 4])
def test_a_vote_is_the_majority_ties_to_the_higher_mean(classes):
    x = rng().normal(size=(200, 4)).astype("float32")
    activation = "sigmoid" if classes == 1 else "softmax"
    members = [
        cl.Dense(classes, activation=activation, seed=k) for k in range(4)
    ]
    ensemble = cl.Ensemble(members, combine="vote")
    y = np.asarray(ensemble(x), dtype=float)
    p = np.stack([np.asarray(m(x), dtype=float) for m in members])
    if classes == 1:  # the two classes' votes and means
        p = np.concatenate([1 - p, p], axis=-1)
        y = np.concatenate([1 - y, y], axis=-1)
    votes = np.stack(
        [np.bincount(row, minlength=p.shape[-1]) for row in p.argmax(-1).T]
    )
    mean = p.mean(axis=0)
    np.testing.assert_allclose(y, (votes + mean) / 5, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)
    # the winner: most votes, then the highest mean probability
    expected = [
        np.lexsort((m, v))[-1] for v, m in zip(votes, mean, strict=True)
    ]
    np.testing.assert_array_equal(y.argmax(axis=1), expected)
    ranked = np.sort(votes, axis=1)
    assert (ranked[:, -1] == ranked[:, -2]).any()  # some ties were broken
    config = ensemble.get_config()
    assert cl.Ensemble.from_config(config).combine == "vote"
    with pytest.raises(ValueError, match="combine must be 'mean' or 'vote'"):
        cl.Ensemble(members, combine="median")


def test_ensemble_passes_training_to_members():
    x = np.ones((4, 50), dtype="float32")
    ensemble = cl.Ensemble([cl.Dropout(0.5, seed=1), cl.Dropout(0.5, seed=2)])
    np.testing.assert_array_equal(np.asarray(ensemble(x)), x)
    assert np.any(np.asarray(ensemble(x, training=True)) != 1.0)
    with pytest.raises(ValueError, match="members=\\[\\]"):
        cl.Ensemble([])


def test_ensemble_mean_averages_the_member_axis():
    h = rng().normal(size=(5, 3, 4)).astype("float32")
    np.testing.assert_allclose(
        np.asarray(cl.EnsembleMean()(h)), h.mean(axis=1), rtol=1e-6
    )
    np.testing.assert_allclose(
        np.asarray(cl.EnsembleMean("softmax")(h)),
        _softmax(h.astype(float)).mean(axis=1),
        rtol=1e-5,
    )
    assert cl.EnsembleMean().compute_output_shape((None, 3, 4)) == (None, 4)


def _np_batch_ensemble(layer, x):
    w = np.asarray(layer.kernel)
    r, s = np.asarray(layer.fast_in), np.asarray(layer.fast_out)
    outs = []
    for i in range(layer.ensemble_size):
        xi = x if x.ndim == 2 else x[:, i]
        out = ((xi * r[i]) @ w) * s[i]
        if layer.bias is not None:
            out = out + np.asarray(layer.bias)[i]
        outs.append(out)
    return np.stack(outs, axis=1)


@pytest.mark.parametrize("shared_input", [True, False])
def test_batch_ensemble_member_i_uses_kernel_w_times_r_i_s_i(shared_input):
    k, n_in, units = 3, 5, 4
    shape = (6, n_in) if shared_input else (6, k, n_in)
    x = rng().normal(size=shape)
    layer = cl.BatchEnsembleDense(units, ensemble_size=k, dtype="float64")
    layer.build(x.shape)
    layer.bias.assign(rng(1).normal(size=(k, units)))
    y = np.asarray(layer(x))
    assert y.shape == (6, k, units) == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(y, _np_batch_ensemble(layer, x), rtol=1e-12)
    # Fast weights start as random signs; members differ.
    assert set(np.unique(np.asarray(layer.fast_in))) <= {-1.0, 1.0}
    assert not np.allclose(y[:, 0], y[:, 1])
    # Shared kernel + rank-1 factors: n_in*units + k*(n_in + 2*units).
    assert layer.count_params() == n_in * units + k * (n_in + 2 * units)


def test_batch_ensemble_gradients_match_finite_differences():
    x = rng().normal(size=(3, 4))
    first = cl.BatchEnsembleDense(
        3, ensemble_size=2, activation="tanh", dtype="float64"
    )
    second = cl.BatchEnsembleDense(2, ensemble_size=2, dtype="float64")
    first.build(x.shape)
    second.build((3, 2, 3))
    for layer, inputs, out in (
        (first, x, (3, 2, 3)),
        (second, None, (3, 2, 2)),
    ):
        inputs = inputs if inputs is not None else rng(4).normal(size=(3, 2, 3))
        w = rng(5).normal(size=out)
        for a, n in zip(
            tape_gradients(layer, inputs, w),
            finite_differences(layer, inputs, w),
            strict=True,
        ):
            np.testing.assert_allclose(a, n, rtol=1e-6, atol=1e-8)


def test_batch_ensemble_stack_trains_and_checks_member_axis():
    x = rng().normal(size=(128, 4)).astype("float32")
    target = np.sin(x.sum(axis=1, keepdims=True))
    model = keras.Sequential(
        [
            keras.Input((4,)),
            cl.BatchEnsembleDense(
                16, ensemble_size=4, activation="relu", seed=0
            ),
            cl.BatchEnsembleDense(1, ensemble_size=4, seed=1),
            cl.EnsembleMean(),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    start = model.evaluate(x, target, verbose=0)
    model.fit(x, target, epochs=10, batch_size=32, verbose=0)
    assert model.evaluate(x, target, verbose=0) < 0.5 * start
    with pytest.raises(ValueError, match="ensemble_size=4"):
        cl.BatchEnsembleDense(2, ensemble_size=4).build((None, 3, 5))
    with pytest.raises(ValueError, match="ensemble_size=0"):
        cl.BatchEnsembleDense(2, ensemble_size=0)


def test_batch_ensemble_with_unit_fast_weights_has_identical_members():
    x = rng().normal(size=(4, 5)).astype("float32")
    layer = cl.BatchEnsembleDense(
        3, ensemble_size=3, fast_initializer="ones", use_bias=False
    )
    y = np.asarray(layer(x))
    assert layer.bias is None
    assert layer.count_params() == 5 * 3 + 3 * (5 + 3)
    for i in (1, 2):
        np.testing.assert_allclose(y[:, i], y[:, 0], rtol=1e-6)
    np.testing.assert_allclose(
        y[:, 0], x @ np.asarray(layer.kernel), rtol=1e-5, atol=1e-6
    )


def _np_bce(y, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


@pytest.mark.parametrize("kind", ["mse", "binary", "categorical"])
def test_mean_member_loss_is_the_mean_of_the_members_losses(kind):
    """TabM's loss: each member scored against the same target, the k
    losses averaged (NumPy reference; not the loss of the mean)."""
    batch, k = 8, 5
    generator = rng(3)
    if kind == "mse":
        y = generator.normal(size=(batch, 1))
        members = generator.normal(size=(batch, k, 1))
        base = keras.losses.MeanSquaredError()
        per = ((members - y[:, None]) ** 2).mean(axis=-1)
    elif kind == "binary":
        y = generator.integers(0, 2, size=(batch, 1)).astype(float)
        members = generator.uniform(0.05, 0.95, size=(batch, k, 1))
        base = keras.losses.BinaryCrossentropy()
        per = _np_bce(y[:, None], members).mean(axis=-1)
    else:
        y = np.eye(3)[generator.integers(0, 3, size=batch)]
        members = _softmax(generator.normal(size=(batch, k, 3)))
        base = keras.losses.CategoricalCrossentropy()
        per = -(y[:, None] * np.log(members)).sum(axis=-1)
    weights = generator.uniform(0.5, 2.0, size=batch)
    loss = cl.MeanMemberLoss(base)
    expected = (per.mean(axis=1) * weights).mean()
    actual = float(loss(y, members.astype("float32"), sample_weight=weights))
    np.testing.assert_allclose(actual, expected, rtol=1e-5)
    # the averaged prediction: the loss of the mean, which is not the same
    mean = members.mean(axis=1).astype("float32")
    np.testing.assert_allclose(
        float(loss(y, mean)), float(base(y, mean)), rtol=1e-6
    )
    assert not np.isclose(float(loss(y, mean)), per.mean())
    restored = cl.MeanMemberLoss.from_config(loss.get_config())
    assert float(restored(y, members.astype("float32"))) == pytest.approx(
        per.mean(), rel=1e-5
    )


def test_ensemble_mean_can_pass_members_through_in_training():
    x = rng().normal(size=(4, 3, 2)).astype("float32")
    layer = cl.EnsembleMean(members_in_training=True)
    np.testing.assert_array_equal(np.asarray(layer(x, training=True)), x)
    np.testing.assert_allclose(
        np.asarray(layer(x, training=False)), x.mean(axis=1), rtol=1e-6
    )
    assert layer.compute_output_shape((None, 3, 2)) == (None, 2)


def test_ensemble_dense_gives_each_member_its_own_weights():
    k, n_in, units = 4, 6, 3
    x = rng().normal(size=(5, k, n_in)).astype("float32")
    layer = cl.EnsembleDense(units, ensemble_size=k, seed=0)
    y = np.asarray(layer(x))
    w, b = np.asarray(layer.kernel), np.asarray(layer.bias)
    expected = np.einsum("bki,kio->bko", x, w) + b
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)
    bound = 1 / np.sqrt(n_in)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert not np.allclose(w[0], w[1])


def test_member_scale_gives_member_i_x_times_r_i():
    x = rng().normal(size=(5, 4)).astype("float32")
    layer = cl.MemberScale(ensemble_size=3, seed=1)
    y = np.asarray(layer(x))
    r = np.asarray(layer.scale)
    assert set(np.unique(r)) <= {-1.0, 1.0}
    np.testing.assert_allclose(y, x[:, None, :] * r[None], rtol=1e-6)


def test_batch_ensemble_with_tabm_start_shares_biases_and_adapters():
    """TabM's initialization: r random signs (first layer) or ones, s
    ones, one bias draw copied to every member."""
    layer = cl.BatchEnsembleDense(
        4,
        ensemble_size=3,
        fast_initializer="ones",
        fast_out_initializer="ones",
        bias_initializer=keras.initializers.RandomUniform(-1, 1, seed=2),
    )
    y = np.asarray(layer(rng().normal(size=(6, 3, 5)).astype("float32")))
    assert y.shape == (6, 3, 4)
    bias = np.asarray(layer.bias)
    assert np.ptp(bias, axis=0).max() == 0 and np.abs(bias).max() > 0
    np.testing.assert_array_equal(np.asarray(layer.fast_in), 1.0)
    np.testing.assert_array_equal(np.asarray(layer.fast_out), 1.0)
    config = layer.get_config()
    clone = cl.BatchEnsembleDense.from_config(config)
    assert clone.get_config()["fast_out_initializer"] == "ones"
