"""Seeding every random number generator, and what a seed can and cannot repeat.

``train(..., seed=s)`` calls :func:`seed_everything`, which calls
:func:`keras.utils.set_random_seed` (Python's, NumPy's and the backend's generators).
Build the model *after* seeding (as :func:`convbook.recipes.run_recipe` and the command
line do) and the initial weights, the shuffling order and the dropout masks repeat: on a
CPU, the same seed gives the same weights and accuracy run after run, as long as the
number of threads stays the same (the order in which threads add up partial sums changes
the last bits of a float). On a GPU that is not guaranteed: cuDNN picks its fastest
convolution algorithm by timing candidates (autotuning), and several GPU kernels add
with atomic operations whose order varies, so two runs differ in the last digits and the
difference grows over the epochs. ``deterministic=True`` asks TensorFlow for
deterministic kernels (:func:`tf.config.experimental.enable_op_determinism`): runs then
repeat on a GPU too, at some cost in speed, and an operation that has no deterministic
kernel raises an error instead of running. The setting lasts for the whole process.

Examples
--------
>>> import numpy as np
>>> from convbook.training import reproducibility
>>> reproducibility.seed_everything(1)
>>> first = np.random.rand()
>>> reproducibility.seed_everything(1)
>>> first == np.random.rand()
True
"""

from __future__ import annotations

import keras

from convbook import _checks


def seed_everything(seed: int, *, deterministic: bool = False) -> None:
    """Seed Python's, NumPy's and the Keras backend's random number generators.

    Parameters
    ----------
    seed
        Any integer >= 0.
    deterministic
        Also ask TensorFlow for deterministic kernels (slower on a GPU; lasts for the
        process). Ignored on other backends. See the module notes on reproducibility.

    Examples
    --------
    >>> import numpy as np
    >>> seed_everything(0)
    >>> a = np.random.rand()
    >>> seed_everything(0)
    >>> a == np.random.rand()
    True
    """
    keras.utils.set_random_seed(_checks.integer("seed", seed, minimum=0))
    if _checks.boolean("deterministic", deterministic) and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
