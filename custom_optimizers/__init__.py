"""The course's gradient-descent optimizers, as Keras 3 optimizers.

Each class subclasses `keras.optimizers.Optimizer` (through
`custom_optimizers.base.BaseOptimizer`, which holds what they share), so it
accepts Keras's common arguments (learning-rate schedules, `clipnorm`,
`clipvalue`, `global_clipnorm`, `weight_decay`, ...), works with
`model.compile`, and is saved with its state (slots and iteration count) in
`.keras` files. Each is registered for serialization under the package name
`custom_optimizers`.

- `SGD`: `w = w - lr * g`.
- `Momentum`: `h = momentum * h + lr * g; w = w - h`.
- `Nesterov`: momentum with the look-ahead gradient.
- `AdaGrad`: `G = G + g**2; w = w - lr * g / sqrt(G + eps)`.
- `RMSProp`: `G = rho * G + (1 - rho) * g**2; w = w - lr * g / sqrt(G + eps)`.
- `Adam`: moving averages of `g` and `g**2`, with bias correction (as
  Keras) or without and with epsilon under the root (as the course).
- `StepDecay`: `lr = initial * factor ** floor(step / step_size)`.
- `StopOnSmallStep`, `StopBelowLoss`: callbacks that stop training when an
  epoch moves the weights by less than epsilon, or when the training loss
  falls below a threshold.
"""

from custom_optimizers.adagrad import AdaGrad
from custom_optimizers.adam import Adam
from custom_optimizers.momentum import Momentum
from custom_optimizers.nesterov import Nesterov
from custom_optimizers.rmsprop import RMSProp
from custom_optimizers.schedules import StepDecay
from custom_optimizers.sgd import SGD
from custom_optimizers.stopping import StopBelowLoss, StopOnSmallStep

__all__ = [
    "SGD",
    "AdaGrad",
    "Adam",
    "Momentum",
    "Nesterov",
    "RMSProp",
    "StepDecay",
    "StopBelowLoss",
    "StopOnSmallStep",
]
