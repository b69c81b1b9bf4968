"""How fast a network trains: steady-state throughput under different settings.

A :class:`SpeedVariant` names one way of training the same model: the batch size, XLA
compilation (``jit_compile``), the dtype policy (float32, mixed bfloat16, float64), the
dtype of the input arrays, NumPy arrays or a ``tf.data`` pipeline as input, and how many
batches Keras runs per call (``steps_per_execution``). :func:`measure_throughput` trains a
fresh model for a few epochs under one variant and times every call into the training
step. The first epoch pays for tracing the step into a graph (and compiling it, with
XLA); the later ones show the *steady state*. Its time per step is the median over the
steps after the first epoch (robust to the odd slow step when another program wakes up
on the machine), and the start-up cost is what all the epochs took beyond that many
steady steps. :func:`compare_variants` warms every variant up first and then times
their epochs in rounds, one variant after another, so that a busy spell of the machine
does not fall on one variant only; it compares each variant with the baseline: the
relative speed and a verdict such as ``"1.8x faster"``.

Everything runs on every Keras backend, except the ``tf.data`` variants (TensorFlow only),
which are skipped elsewhere with the reason recorded. The global dtype policy a variant
sets is restored afterwards, even when training fails.

The package is split by job: :mod:`~convbook.speed.variants` (the settings and the
budget's plan), :mod:`~convbook.speed.measuring` (the timing) and
:mod:`~convbook.speed.results` (verdicts, noise, the step-time line, the table); every name
is importable from ``convbook.speed`` itself. The figures are in
:mod:`convbook.plotting.speed`; the CPU facts (:func:`cpu_bfloat16_support`) in
:mod:`convbook.hardware`. Importing this package is cheap: Keras is imported inside the
functions that train.

Examples
--------
>>> from convbook import speed
>>> [variant.name for variant in speed.VARIANTS][:3]
['baseline', 'xla', 'mixed_bfloat16']
>>> speed.verdict(1.83), speed.verdict(0.97), speed.verdict(0.5)
('1.83x faster', 'no change (within 10%)', '2.00x slower')
"""

from __future__ import annotations

from convbook.hardware import cpu_bfloat16_support, cpu_flags
from convbook.speed.measuring import compare_variants, measure_throughput
from convbook.speed.results import (
    DEFAULT_TOLERANCE,
    StepTime,
    Throughput,
    batch_size_runs,
    by_verdict,
    fit_step_time,
    format_throughputs,
    measurement_noise,
    verdict,
)
from convbook.speed.variants import (
    DTYPE_POLICIES,
    INPUT_DTYPES,
    PIPELINES,
    VARIANT_NAMES,
    VARIANTS,
    SpeedPlan,
    SpeedVariant,
    get_variant,
    speed_plan,
)

__all__ = [
    "DEFAULT_TOLERANCE",
    "DTYPE_POLICIES",
    "INPUT_DTYPES",
    "PIPELINES",
    "VARIANTS",
    "VARIANT_NAMES",
    "SpeedPlan",
    "SpeedVariant",
    "StepTime",
    "Throughput",
    "batch_size_runs",
    "by_verdict",
    "compare_variants",
    "cpu_bfloat16_support",
    "cpu_flags",
    "fit_step_time",
    "format_throughputs",
    "get_variant",
    "measure_throughput",
    "measurement_noise",
    "speed_plan",
    "verdict",
]
