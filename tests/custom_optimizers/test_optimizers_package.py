"""Package-wide checks: registration, configs, docstrings, imports."""

import ast
import collections
import doctest
import importlib
import pathlib

import keras
import numpy as np
import pytest

import custom_optimizers
from custom_optimizers import (
    SGD,
    AdaGrad,
    Adam,
    Momentum,
    Nesterov,
    RMSProp,
    StepDecay,
)

PACKAGE_DIR = pathlib.Path(custom_optimizers.__file__).parent

# Every argument off its default, a schedule as learning rate, a clip and
# weight decay.
NON_DEFAULT = [
    SGD(learning_rate=0.2, clipvalue=0.5, name="a"),
    Momentum(StepDecay(0.3, 5, 0.5), momentum=0.7, clipnorm=2.0),
    Nesterov(learning_rate=0.3, momentum=0.6, global_clipnorm=1.0),
    AdaGrad(0.2, initial_accumulator_value=0.4, epsilon=1e-3, weight_decay=0.1),
    RMSProp(0.02, rho=0.7, epsilon=1e-4, use_ema=True),
    Adam(
        0.02,
        beta_1=0.5,
        beta_2=0.9,
        epsilon=1e-3,
        bias_correction=False,
        epsilon_inside_sqrt=True,
    ),
]


@pytest.mark.parametrize("opt", NON_DEFAULT, ids=lambda o: type(o).__name__)
def test_serialization_round_trip(opt):
    name = type(opt).__name__
    serialized = keras.optimizers.serialize(opt)
    assert serialized["registered_name"] == f"custom_optimizers>{name}"
    restored = keras.optimizers.deserialize(serialized)
    assert type(restored) is type(opt)
    assert restored.get_config() == opt.get_config()
    assert type(opt).from_config(opt.get_config()).get_config() == (
        opt.get_config()
    )


@pytest.mark.parametrize(
    "module",
    ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "schedules"],
)
def test_docstring_examples_run(module):
    mod = importlib.import_module(f"custom_optimizers.{module}")
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


def test_leaves_import_only_keras():
    # custom_optimizers is a leaf: keras (keras.ops inside the optimizers),
    # the standard library and itself; no tf.*.
    allowed = {
        "keras",
        "custom_optimizers",
        "math",
        "typing",
        "collections",
        "inspect",
    }
    for path in PACKAGE_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, (path.name, name)


def test_public_names():
    stopping = ["StopBelowLoss", "StopOnSmallStep"]  # callbacks: no rule
    assert sorted(custom_optimizers.__all__) == sorted(
        ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam"]
        + ["StepDecay", *stopping]
    )
    for name in set(custom_optimizers.__all__) - set(stopping):
        cls = getattr(custom_optimizers, name)
        assert "```python" in cls.__doc__, f"{name} states no update rule"


def test_docstrings_state_the_common_arguments():
    # The base class fills each `{{common_args}}` line of the docstrings.
    for name in ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam"]:
        doc = getattr(custom_optimizers, name).__doc__
        assert "{{" not in doc, name
        for argument in ["learning_rate", "weight_decay", "clipnorm"]:
            assert f"        {argument}: " in doc, (name, argument)
        assert "        global_clipnorm: Float or `None`." in doc, name


# Each optimizer's own arguments (after learning_rate) by position, and as
# keywords.
OWN_ARGUMENTS = [
    (SGD, (), {}),
    (Momentum, (0.7,), {"momentum": 0.7}),
    (Nesterov, (0.7,), {"momentum": 0.7}),
    (
        AdaGrad,
        (0.3, 1e-3),
        {"initial_accumulator_value": 0.3, "epsilon": 1e-3},
    ),
    (RMSProp, (0.8, 1e-3), {"rho": 0.8, "epsilon": 1e-3}),
    (
        Adam,
        (0.8, 0.9, 1e-3, False, True),
        {
            "beta_1": 0.8,
            "beta_2": 0.9,
            "epsilon": 1e-3,
            "bias_correction": False,
            "epsilon_inside_sqrt": True,
        },
    ),
]


@pytest.mark.parametrize(
    "cls, own_args, own",
    OWN_ARGUMENTS,
    ids=lambda x: getattr(x, "__name__", ""),
)
@pytest.mark.parametrize("clip", ["clipnorm", "clipvalue", "global_clipnorm"])
def test_common_arguments_by_position_or_keyword(cls, own_args, own, clip):
    # After its own arguments, each takes Keras's common ones by position:
    # weight_decay, clipnorm, clipvalue, global_clipnorm, name.
    common = {
        "weight_decay": 0.1,
        "clipnorm": None,
        "clipvalue": None,
        "global_clipnorm": None,
        clip: 1.5,
        "name": f"opt_{clip}",
    }
    by_position = cls(0.2, *own_args, *common.values()).get_config()
    assert by_position == cls(0.2, **own, **common).get_config()
    assert by_position["learning_rate"] == pytest.approx(0.2)
    for key, value in {**own, **common}.items():
        assert by_position[key] == value, key


def test_slots_interleave_per_variable():
    # The order of the variables is the order of a saved optimizer's state:
    # Adam's m and v alternate per model variable, as Keras's built-ins do.
    variables = [keras.Variable(np.ones((2, 3))), keras.Variable(np.ones(3))]
    adam = Adam()
    adam.build(variables)
    slots = [v for v in adam.variables if v is not adam.iterations]
    slots = [v for v in slots if v.shape != ()]
    assert [v.name[-2:] for v in slots] == ["_m", "_v", "_m", "_v"]
    assert [tuple(v.shape) for v in slots] == [(2, 3), (2, 3), (3,), (3,)]
    assert adam.first_moments == [slots[0], slots[2]]
    assert adam.second_moments == [slots[1], slots[3]]
    adagrad = AdaGrad(initial_accumulator_value=0.25)
    adagrad.build(variables)
    for accumulator in adagrad.accumulators:
        np.testing.assert_array_equal(accumulator.numpy(), 0.25)
    sgd = SGD()
    sgd.build(variables)
    assert [v.shape for v in sgd.variables] == [(), ()]  # iterations, rate


# The built-in's arithmetic, so no more cost: the traced update of each
# optimizer has, of every kind, at most the built-in's operations (counting
# an addition and a subtraction as the same kind: h = -velocity). Nesterov
# computes `lr * g` once where Keras computes it twice: 6 Mul, not 8.
BUILTIN_PAIRS = {
    "SGD": (SGD, keras.optimizers.SGD),
    "Momentum": (Momentum, lambda: keras.optimizers.SGD(momentum=0.9)),
    "Nesterov": (
        Nesterov,
        lambda: keras.optimizers.SGD(momentum=0.9, nesterov=True),
    ),
    "AdaGrad": (
        AdaGrad,
        lambda: keras.optimizers.Adagrad(initial_accumulator_value=0.0),
    ),
    "RMSProp": (RMSProp, keras.optimizers.RMSprop),
    "Adam": (Adam, keras.optimizers.Adam),
}
SAME_KIND = {"Sub": "AddV2", "AssignSubVariableOp": "AssignAddVariableOp"}


def _update_ops(optimizer):
    import tensorflow as tf  # the graph is TensorFlow's; the code is not

    variables = [keras.Variable(np.ones((3, 4))), keras.Variable(np.ones(4))]
    grads = [np.full((3, 4), 0.5, "float32"), np.full(4, 0.5, "float32")]
    optimizer.build(variables)
    graph = (
        tf.function(lambda: optimizer.apply(grads, variables))
        .get_concrete_function()
        .graph
    )
    return collections.Counter(
        SAME_KIND.get(op.type, op.type) for op in graph.get_operations()
    )


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="counts TF graph ops"
)
@pytest.mark.parametrize("name", list(BUILTIN_PAIRS))
def test_update_graph_has_the_builtin_operations(name):
    make_ours, make_builtin = BUILTIN_PAIRS[name]
    ours, builtin = _update_ops(make_ours()), _update_ops(make_builtin())
    assert not ours - builtin, f"more operations than Keras's: {ours - builtin}"
    assert set(ours) == set(builtin)
