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

Importing this module is cheap: Keras is imported inside the functions that train.

Examples
--------
>>> from convbook import speed
>>> [variant.name for variant in speed.VARIANTS][:3]
['baseline', 'xla', 'mixed_bfloat16']
>>> speed.verdict(1.83), speed.verdict(0.97), speed.verdict(0.5)
('1.83x faster', 'no change (within 10%)', '2.00x slower')
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from convbook import settings

if TYPE_CHECKING:
    import keras
    from matplotlib.figure import Figure

    from convbook.training import PreparedData

Pipeline = Literal["numpy", "tf_data"]

PIPELINES: tuple[str, ...] = ("numpy", "tf_data")
DTYPE_POLICIES: tuple[str, ...] = ("float32", "mixed_bfloat16", "mixed_float16", "float64")
INPUT_DTYPES: tuple[str, ...] = ("float32", "float64")

#: Relative differences smaller than this count as "no change" (timings on a shared
#: machine scatter by several percent from run to run).
DEFAULT_TOLERANCE = 0.10


# --------------------------------------------------------------------------- variants


@dataclass(frozen=True)
class SpeedVariant:
    """One way of training the same model, to be timed against the others.

    Attributes
    ----------
    name
        A short label for tables and plots.
    batch_size
        Images per optimizer update.
    jit_compile
        ``"auto"`` (Keras' default: XLA where Keras expects it to pay, which on a
        TensorFlow machine without a GPU means *off*), ``True`` or ``False``.
    dtype_policy
        The Keras dtype policy the model is built under: ``"float32"``,
        ``"mixed_bfloat16"`` or ``"mixed_float16"`` (compute in 16 bits, keep the weights
        in float32), or ``"float64"``.
    input_dtype
        dtype of the image array handed to ``fit``: ``"float32"`` or ``"float64"``.
    pipeline
        ``"numpy"`` (arrays straight into ``fit``) or ``"tf_data"``
        (:func:`convbook.training.make_tf_dataset`, TensorFlow only).
    cache, prefetch
        The ``tf.data`` stages (ignored for NumPy input).
    steps_per_execution
        Batches Keras runs per call into the compiled training step.
    model
        Train this model (a name from :data:`convbook.models.MODEL_NAMES`) instead of the
        one the measurement is given; ``None`` keeps that one.
    description
        One line on what the variant changes.
    """

    name: str
    batch_size: int = 128
    jit_compile: bool | Literal["auto"] = "auto"
    dtype_policy: str = "float32"
    input_dtype: str = "float32"
    pipeline: Pipeline = "numpy"
    cache: bool = True
    prefetch: bool = True
    steps_per_execution: int = 1
    model: str | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string; got {self.name!r}.")
        if self.model is not None and (not isinstance(self.model, str) or not self.model):
            raise ValueError(f"model must be a model name or None; got {self.model!r}.")
        for argument in ("batch_size", "steps_per_execution"):
            _check_count(argument, getattr(self, argument))
        if not (isinstance(self.jit_compile, bool) or self.jit_compile == "auto"):
            raise ValueError(
                f"jit_compile={self.jit_compile!r} is not valid; use 'auto', True or False."
            )
        _check_choice("dtype_policy", self.dtype_policy, DTYPE_POLICIES)
        _check_choice("input_dtype", self.input_dtype, INPUT_DTYPES)
        _check_choice("pipeline", self.pipeline, PIPELINES)

    def knobs(self) -> str:
        """Return the settings that differ from the baseline's, e.g. ``"batch 512"``.

        Examples
        --------
        >>> SpeedVariant("big", batch_size=512, jit_compile=True).knobs()
        'batch 512, jit_compile=True'
        >>> SpeedVariant("plain").knobs()
        'defaults'
        """
        parts = []
        if self.batch_size != 128:
            parts.append(f"batch {self.batch_size}")
        if self.jit_compile != "auto":
            parts.append(f"jit_compile={self.jit_compile}")
        if self.dtype_policy != "float32":
            parts.append(f"policy {self.dtype_policy}")
        if self.input_dtype != "float32":
            parts.append(f"{self.input_dtype} input")
        if self.pipeline == "tf_data":
            stages = [s for s, on in (("cache", self.cache), ("prefetch", self.prefetch)) if on]
            parts.append("tf.data" + (f" ({' + '.join(stages)})" if stages else ""))
        if self.steps_per_execution != 1:
            parts.append(f"steps_per_execution={self.steps_per_execution}")
        if self.model is not None:
            parts.append(f"model {self.model}")
        return ", ".join(parts) or "defaults"


def _check_count(argument: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{argument} must be an integer >= 1; got {value!r}.")
    return int(value)


def _check_choice(argument: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{argument}={value!r} is not valid; use one of {', '.join(allowed)}.")
    return value


#: The variants the "Making it fast" chapter times; the first is the baseline.
VARIANTS: tuple[SpeedVariant, ...] = (
    SpeedVariant(
        "baseline",
        description="NumPy float32 arrays into fit, batch 128, Keras' default jit_compile",
    ),
    SpeedVariant("xla", jit_compile=True, description="XLA: the training step compiled and fused"),
    SpeedVariant(
        "mixed_bfloat16",
        dtype_policy="mixed_bfloat16",
        description="compute in bfloat16, keep the weights in float32",
    ),
    SpeedVariant(
        "float64_model", dtype_policy="float64", description="every layer in double precision"
    ),
    SpeedVariant(
        "float64_input",
        input_dtype="float64",
        description="float64 images into fit (Keras casts them to float32 once)",
    ),
    SpeedVariant(
        "tf_data",
        pipeline="tf_data",
        description="a tf.data pipeline with cache and prefetch instead of NumPy arrays",
    ),
    SpeedVariant("batch_64", batch_size=64, description="half the baseline's batch"),
    SpeedVariant("batch_256", batch_size=256, description="twice the baseline's batch"),
    SpeedVariant("batch_512", batch_size=512, description="four times the baseline's batch"),
    SpeedVariant(
        "steps_per_execution_8",
        steps_per_execution=8,
        description="8 batches per call into the compiled step",
    ),
)

VARIANT_NAMES: tuple[str, ...] = tuple(variant.name for variant in VARIANTS)


def get_variant(name: str) -> SpeedVariant:
    """Return the variant of :data:`VARIANTS` called ``name``.

    Examples
    --------
    >>> get_variant("batch_512").batch_size
    512
    """
    for variant in VARIANTS:
        if variant.name == name:
            return variant
    raise ValueError(
        f"name={name!r} is not a known variant; use one of {', '.join(VARIANT_NAMES)}."
    )


# --------------------------------------------------------------------------- hardware


def cpu_flags() -> frozenset[str]:
    """Return the CPU's feature flags from ``/proc/cpuinfo`` (empty where it is unreadable).

    Examples
    --------
    >>> isinstance(cpu_flags(), frozenset)
    True
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as stream:
            for line in stream:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def cpu_bfloat16_support() -> str:
    """Say in words whether this CPU has bfloat16 instructions.

    ``avx512_bf16`` (AVX-512 with bfloat16 dot products, e.g. Intel Cooper Lake and later,
    AMD Zen 4) and ``amx_bf16`` (Intel's matrix tiles, Sapphire Rapids) let oneDNN, the
    CPU kernel library TensorFlow uses, multiply bfloat16 numbers natively.

    Examples
    --------
    >>> cpu_bfloat16_support().split(":")[0] in ("yes", "no", "unknown")
    True
    """
    flags = cpu_flags()
    if not flags:
        return "unknown: no /proc/cpuinfo on this system"
    found = sorted(flags & {"avx512_bf16", "amx_bf16"})
    if found:
        return f"yes: {', '.join(found)}"
    return "no: neither avx512_bf16 nor amx_bf16"


# --------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class SpeedPlan:
    """How much a speed comparison trains per variant.

    ``epochs`` includes the first (warm-up) epoch, which counts towards the start-up cost;
    the others give the steady state. ``train_samples`` is a multiple of every
    batch size of :data:`VARIANTS`, so no epoch ends with a smaller batch (which would
    trigger another trace).
    """

    train_samples: int
    epochs: int


_PLANS = {"quick": SpeedPlan(train_samples=2048, epochs=3), "full": SpeedPlan(15360, 3)}


def speed_plan(budget: str | None = None) -> SpeedPlan:
    """Return the plan of ``budget`` (``"quick"`` or ``"full"``; default the setting).

    Examples
    --------
    >>> speed_plan("quick")
    SpeedPlan(train_samples=2048, epochs=3)
    """
    budget = settings.budget() if budget is None else budget
    _check_choice("budget", budget, settings.BUDGETS)
    return _PLANS[budget]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Throughput:
    """What :func:`measure_throughput` measured for one variant.

    Attributes
    ----------
    variant
        The :class:`SpeedVariant` timed.
    images_per_second
        Steady-state training throughput: the batch size divided by the median wall time
        of one step (one batch) in the timed epochs, the Python loop between steps
        included (NaN when skipped).
    epoch_seconds
        Wall time of every epoch, the first included.
    startup_seconds
        What the whole ``fit`` took beyond its number of steps at the steady time per step:
        tracing and compiling the training step, converting the input, starting the
        pipeline, the odd slow step.
    images_per_epoch, epochs
        Training images per epoch, and epochs trained (the warm-up included).
    jit_compile
        Whether XLA was used (what ``"auto"`` resolved to).
    training_flops_per_image
        Estimated FLOPs of one training step per image (:func:`convbook.flops.training_flops`).
    final_loss, final_accuracy
        Training loss and accuracy of the last epoch (a check that the variant still
        learns, and how much a run of this length learns with this batch size).
    model_name, backend
        What was trained, on which Keras backend.
    relative
        Throughput divided by the baseline's, or by the mean of the two baseline
        measurements when the baseline was repeated (set by :func:`compare_variants`).
    verdict
        ``"baseline"``, ``"1.8x faster"``, ``"no change (within 10%)"``, ``"1.3x slower"``
        or ``"skipped: <reason>"``.
    skipped
        Why the variant was not run (``None`` when it was).
    repeat
        True for a second measurement of the baseline (see :func:`compare_variants`).
    tolerance
        The tolerance the verdict used (set by :func:`compare_variants`).
    """

    variant: SpeedVariant
    images_per_second: float
    epoch_seconds: tuple[float, ...]
    startup_seconds: float
    images_per_epoch: int
    epochs: int
    jit_compile: bool
    training_flops_per_image: int
    final_loss: float
    final_accuracy: float
    model_name: str
    backend: str
    relative: float | None = None
    verdict: str = ""
    skipped: str | None = field(default=None)
    repeat: bool = False
    tolerance: float | None = None

    @property
    def name(self) -> str:
        """The variant's name."""
        return self.variant.name

    @property
    def seconds_per_step(self) -> float:
        """Steady-state wall time of one step (one batch of ``variant.batch_size`` images)."""
        return self.variant.batch_size / self.images_per_second

    @property
    def steady_epoch_seconds(self) -> float:
        """What one epoch takes in the steady state."""
        return self.images_per_epoch / self.images_per_second

    @property
    def gflops(self) -> float:
        """Achieved training arithmetic in GFLOP/s (estimate x images per second / 1e9)."""
        return self.training_flops_per_image * self.images_per_second / 1e9


def _skipped(variant: SpeedVariant, reason: str, model_name: str, backend: str) -> Throughput:
    nan = float("nan")
    return Throughput(
        variant=variant,
        images_per_second=nan,
        epoch_seconds=(),
        startup_seconds=nan,
        images_per_epoch=0,
        epochs=0,
        jit_compile=False,
        training_flops_per_image=0,
        final_loss=nan,
        final_accuracy=nan,
        model_name=model_name,
        backend=backend,
        verdict=f"skipped: {reason}",
        skipped=reason,
    )


def verdict(relative: float, tolerance: float = DEFAULT_TOLERANCE) -> str:
    """Turn a speed ratio (variant / baseline) into words.

    Parameters
    ----------
    relative
        Throughput of the variant divided by the baseline's.
    tolerance
        Ratios within ``1 +- tolerance`` are ``"no change"``.

    Examples
    --------
    >>> verdict(1.25), verdict(1.04), verdict(0.8)
    ('1.25x faster', 'no change (within 10%)', '1.25x slower')
    """
    if not relative > 0 or math.isinf(relative):
        raise ValueError(f"relative must be a positive finite number; got {relative!r}.")
    if not 0 <= tolerance < 1:
        raise ValueError(f"tolerance must be in [0, 1); got {tolerance!r}.")
    if relative >= 1 + tolerance:
        return f"{relative:.2f}x faster"
    if relative <= 1 - tolerance:
        return f"{1 / relative:.2f}x slower"
    return f"no change (within {tolerance:.0%})"


# --------------------------------------------------------------------------- measuring


def _arrays(data: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """Return the training images, their labels and the number of classes of ``data``."""
    from convbook.training import PreparedData

    if isinstance(data, PreparedData):
        return data.x_train, data.y_train, data.num_classes
    if isinstance(data, tuple | list) and len(data) == 2:
        x, y = np.asarray(data[0]), np.asarray(data[1])
    else:
        raise ValueError(
            f"data must be a PreparedData or a pair (x, y) of arrays; got {type(data).__name__}."
        )
    if x.ndim != 4 or len(x) == 0:
        raise ValueError(f"data: x must be images shaped (N, H, W, C) with N > 0; got {x.shape}.")
    if y.ndim not in (1, 2) or len(y) != len(x):
        raise ValueError(
            f"data: y must hold one label (or one-hot row) per image; got shape {y.shape} "
            f"for {len(x)} images."
        )
    num_classes = y.shape[1] if y.ndim == 2 else int(y.max()) + 1
    return x, y, max(num_classes, 2)


def _check_arguments(
    epochs: Any, model: Any, seed: Any, variants: Sequence[SpeedVariant] = ()
) -> None:
    from convbook import models

    if isinstance(epochs, bool) or not isinstance(epochs, int | np.integer) or epochs < 2:
        raise ValueError(f"epochs must be an integer >= 2 (one warm-up epoch); got {epochs!r}.")
    for name in (model, *(v.model for v in variants if v.model is not None)):
        if name not in models.MODEL_NAMES:
            raise ValueError(f"model={name!r} is not known; use one of {models.MODEL_NAMES}.")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0; got {seed!r}.")


def _step_timer() -> keras.callbacks.Callback:
    """Return a callback that times one ``fit`` call: every call into the training step.

    ``.calls`` holds one ``(seconds, steps)`` per call (``steps`` > 1 with
    ``steps_per_execution``), measured from the end of the previous call (or the start of
    the epoch), so the Python loop between steps is included.
    """
    import keras

    class StepTimer(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.calls: list[tuple[float, int]] = []
            self._last = time.perf_counter()
            self._last_step = -1

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self._last, self._last_step = time.perf_counter(), -1

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            now = time.perf_counter()
            self.calls.append((now - self._last, batch - self._last_step))
            self._last, self._last_step = now, batch

    return StepTimer()


def _skip_reason(variant: SpeedVariant, backend: str) -> str | None:
    if variant.pipeline == "tf_data" and backend != "tensorflow":
        return f"tf.data needs the TensorFlow backend (this run uses {backend})"
    return None


class _Run:
    """One variant's model, compiled once and trained one epoch at a time."""

    def __init__(
        self,
        variant: SpeedVariant,
        x: np.ndarray,
        y: np.ndarray,
        num_classes: int,
        model: str,
        seed: int,
    ) -> None:
        import keras

        from convbook import models, training

        self.variant = variant
        self.images = len(x)
        x = x.astype(variant.input_dtype, copy=False)
        previous_policy = keras.config.dtype_policy()
        try:
            keras.config.set_dtype_policy(variant.dtype_policy)
            training.seed_everything(seed)
            self.network = models.build(
                model, input_shape=tuple(x.shape[1:]), num_classes=num_classes
            )
        finally:
            keras.config.set_dtype_policy(previous_policy)
        from_logits = not models.ends_with_softmax(self.network)
        loss = (
            keras.losses.CategoricalCrossentropy(from_logits=from_logits)
            if y.ndim == 2
            else keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)
        )
        self.network.compile(
            optimizer="adam",
            loss=loss,
            metrics=["accuracy"],
            jit_compile=variant.jit_compile,
            steps_per_execution=variant.steps_per_execution,
        )
        if variant.pipeline == "tf_data":
            pipeline = training.make_tf_dataset(
                x, y, variant.batch_size, cache=variant.cache, prefetch=variant.prefetch, seed=seed
            )
            self.inputs: dict[str, Any] = {"x": pipeline, "shuffle": False}  # it shuffles itself
        else:
            self.inputs = {"x": x, "y": y, "batch_size": variant.batch_size, "shuffle": True}
        self.epoch_seconds: list[float] = []
        self.timed_calls: list[tuple[float, int]] = []
        self.steps = 0
        self.history: dict[str, list[float]] = {}

    def epoch(self) -> None:
        """Train one more epoch; every epoch after the first is timed step by step."""
        timer = _step_timer()
        started = time.perf_counter()
        history = self.network.fit(**self.inputs, epochs=1, callbacks=[timer], verbose=0)
        self.epoch_seconds.append(time.perf_counter() - started)
        self.steps += sum(steps for _, steps in timer.calls)
        if len(self.epoch_seconds) > 1:
            # The first call of an epoch also sets up the epoch's input iterator.
            self.timed_calls.extend(timer.calls[1:] if len(timer.calls) > 1 else timer.calls)
        self.history = history.history

    def result(self, backend: str) -> Throughput:
        from convbook import flops

        # The median ignores the few slow calls that start an epoch or meet a busy moment
        # of the machine.
        seconds_per_step = float(np.median([s / n for s, n in self.timed_calls]))
        return Throughput(
            variant=self.variant,
            images_per_second=self.variant.batch_size / seconds_per_step,
            epoch_seconds=tuple(self.epoch_seconds),
            startup_seconds=max(0.0, sum(self.epoch_seconds) - self.steps * seconds_per_step),
            images_per_epoch=self.images,
            epochs=len(self.epoch_seconds),
            jit_compile=bool(self.network.jit_compile),
            training_flops_per_image=flops.training_flops(self.network),
            final_loss=float(self.history["loss"][-1]),
            final_accuracy=float(self.history["accuracy"][-1]),
            model_name=self.network.name,
            backend=backend,
        )


def _measure(
    variants: Sequence[SpeedVariant],
    data: Any,
    epochs: int,
    model: str,
    seed: int,
    progress: bool = False,
) -> list[Throughput]:
    """Warm every variant up, then time its later epochs in rounds, one variant after another."""
    import keras

    x, y, num_classes = _arrays(data)
    backend = keras.backend.backend()
    runs: list[_Run | Throughput] = []
    for variant in variants:
        reason = _skip_reason(variant, backend)
        if reason is not None:
            runs.append(_skipped(variant, reason, variant.model or model, backend))
            continue
        run = _Run(variant, x, y, num_classes, variant.model or model, int(seed))
        run.epoch()
        runs.append(run)
        if progress:
            print(f"{variant.name}: warmed up in {run.epoch_seconds[0]:.1f} s", flush=True)
    for _ in range(int(epochs) - 1):
        for run in runs:
            if isinstance(run, _Run):
                run.epoch()
    return [run.result(backend) if isinstance(run, _Run) else run for run in runs]


def measure_throughput(
    variant: SpeedVariant,
    data: PreparedData | tuple[np.ndarray, np.ndarray],
    *,
    epochs: int = 2,
    model: str = "fast_cnn",
    seed: int = 0,
) -> Throughput:
    """Train a fresh ``model`` under ``variant`` and measure its steady-state throughput.

    The model is built (after seeding, so every variant starts from the same weights),
    compiled with Adam and cross-entropy, and fitted for ``epochs`` epochs on all of
    ``data``'s training images with no validation. The first epoch warms up (tracing,
    compiling); in the others every call into the training step is timed. The throughput
    comes from the median time per step; the start-up cost is what all the epochs took
    beyond their steps at that steady time.

    Parameters
    ----------
    variant
        The settings to time.
    data
        A :class:`convbook.training.PreparedData` (its training images are used) or a pair
        ``(x, y)`` of images ``(N, H, W, C)`` and integer or one-hot labels.
    epochs
        At least 2: one to warm up, the rest to time.
    model
        A name from :data:`convbook.models.MODEL_NAMES` (unless the variant names its own).
    seed
        Seeds the initial weights and the shuffling.

    Returns
    -------
    Throughput
        With ``relative`` and ``verdict`` unset (see :func:`compare_variants`); a skipped
        result (NaN numbers, the reason in ``skipped``) for a variant the backend cannot
        run.

    Raises
    ------
    ValueError
        For a bad argument (named in the message).

    Examples
    --------
    >>> from convbook import training
    >>> data = training.prepare("mnist", train_samples=2048)  # doctest: +SKIP
    >>> result = measure_throughput(get_variant("batch_512"), data, epochs=3)  # doctest: +SKIP
    >>> f"{result.images_per_second:,.0f} images/s"  # doctest: +SKIP
    '7,612 images/s'
    """
    if not isinstance(variant, SpeedVariant):
        raise ValueError(f"variant must be a SpeedVariant; got {type(variant).__name__}.")
    _check_arguments(epochs, model, seed, [variant])
    return _measure([variant], data, epochs, model, seed)[0]


def compare_variants(
    variants: Sequence[SpeedVariant] | None,
    data: PreparedData | tuple[np.ndarray, np.ndarray],
    *,
    epochs: int = 2,
    model: str = "fast_cnn",
    seed: int = 0,
    baseline: str | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    repeat_baseline: bool = False,
    progress: bool = False,
) -> list[Throughput]:
    """Measure every variant and compare each with the baseline.

    Every variant gets its own model, warmed up by one epoch. The timed epochs then run in
    rounds, one epoch of each variant after another, so a busy moment of the machine
    slows all the variants a little rather than one of them a lot.

    Parameters
    ----------
    variants
        The variants to time, in order; ``None`` for :data:`VARIANTS`.
    data, epochs, model, seed
        As for :func:`measure_throughput` (the same for every variant; ``epochs - 1``
        rounds are timed).
    baseline
        Name of the variant the others are compared with; default the first.
    tolerance
        Speed ratios within ``1 +- tolerance`` are called "no change" (see :func:`verdict`).
    repeat_baseline
        Also measure a second, independent copy of the baseline (its own model, last in
        every round), listed as ``"<baseline>_again"`` with ``repeat=True``. The others
        are then compared with the mean of the two baseline measurements, and how far
        apart the two land is the noise of the measurement (see
        :func:`measurement_noise`): when it exceeds ``tolerance``, the verdicts use the
        noise (rounded up to a whole percent) as their tolerance instead, so that no
        difference smaller than the noise is called faster or slower.
    progress
        Print one line per variant as it is warmed up.

    Returns
    -------
    list of Throughput
        In the order of ``variants`` (then the repeated baseline), with ``relative`` and
        ``verdict`` filled in.

    Raises
    ------
    ValueError
        For an empty or duplicated list of variants, an unknown or skipped baseline, or
        another bad argument (named in the message).

    Examples
    --------
    >>> pair = [get_variant("baseline"), get_variant("xla")]
    >>> results = compare_variants(pair, data, epochs=3)  # doctest: +SKIP
    >>> [(r.name, r.verdict) for r in results]  # doctest: +SKIP
    [('baseline', 'baseline'), ('xla', '1.52x slower')]
    """
    chosen = list(VARIANTS if variants is None else variants)
    if not chosen or not all(isinstance(v, SpeedVariant) for v in chosen):
        raise ValueError("variants must be a non-empty sequence of SpeedVariant (or None).")
    names = [v.name for v in chosen]
    if len(set(names)) != len(names):
        raise ValueError(f"variants must have distinct names; got {names}.")
    baseline = names[0] if baseline is None else baseline
    if baseline not in names:
        raise ValueError(f"baseline={baseline!r} is not one of the variants {names}.")
    verdict(1.0, tolerance)  # checks the tolerance before any training
    _check_arguments(epochs, model, seed, chosen)
    _arrays(data)

    if repeat_baseline:
        again = replace(
            chosen[names.index(baseline)],
            name=f"{baseline}_again",
            description="the baseline measured again (its own model): the spread is noise",
        )
        chosen.append(again)
    measured = _measure(chosen, data, epochs, model, seed, progress)
    reference = measured[names.index(baseline)]
    if reference.skipped:
        raise ValueError(f"baseline={baseline!r} was skipped: {reference.skipped}.")
    reference_speed = reference.images_per_second
    if repeat_baseline:
        again = measured[-1] = replace(measured[-1], repeat=True)
        spread = abs(again.images_per_second / reference.images_per_second - 1.0)
        tolerance = min(max(tolerance, math.ceil(spread * 100) / 100), 0.99)
        reference_speed = (reference.images_per_second + again.images_per_second) / 2
    compared = []
    for result in measured:
        if result.skipped:
            compared.append(result)
            continue
        relative = result.images_per_second / reference_speed
        is_baseline = result is reference or result.repeat
        words = "baseline" if is_baseline else verdict(relative, tolerance)
        compared.append(replace(result, relative=relative, verdict=words, tolerance=tolerance))
    return compared


# --------------------------------------------------------------------------- reading results


def by_verdict(results: Sequence[Throughput]) -> dict[str, list[Throughput]]:
    """Group compared results into ``"faster"``, ``"no change"``, ``"slower"``, ``"skipped"``.

    The baseline and its repeated measurement (verdict ``"baseline"``) are left out.

    Examples
    --------
    >>> fast = replace(_skipped(SpeedVariant("x"), "demo", "m", "b"), skipped=None,
    ...                verdict="1.50x faster")
    >>> {key: [r.name for r in group] for key, group in by_verdict([fast]).items()}
    {'faster': ['x'], 'no change': [], 'slower': [], 'skipped': []}
    """
    groups: dict[str, list[Throughput]] = {
        "faster": [],
        "no change": [],
        "slower": [],
        "skipped": [],
    }
    for result in results:
        if result.verdict == "baseline":
            continue
        if result.skipped:
            groups["skipped"].append(result)
        elif result.verdict.endswith("faster"):
            groups["faster"].append(result)
        elif result.verdict.endswith("slower"):
            groups["slower"].append(result)
        elif result.verdict.startswith("no change"):
            groups["no change"].append(result)
    return groups


def measurement_noise(results: Sequence[Throughput]) -> float | None:
    """Return how far the two measurements of the baseline landed apart, as a fraction.

    ``0.04`` means the same settings measured twice differed by 4% (the repeat against the
    first); differences between variants of that size say nothing. ``None`` when the
    baseline was not repeated (see :func:`compare_variants`).

    Examples
    --------
    >>> first = replace(_skipped(SpeedVariant("baseline"), "", "m", "b"), skipped=None,
    ...                 images_per_second=1000.0, verdict="baseline")
    >>> again = replace(first, images_per_second=960.0, repeat=True)
    >>> round(measurement_noise([first, again]), 2)
    0.04
    """
    baselines = [r for r in results if r.verdict == "baseline" and not r.skipped]
    first = [r for r in baselines if not r.repeat]
    again = [r for r in baselines if r.repeat]
    if not first or not again:
        return None
    return abs(again[-1].images_per_second / first[0].images_per_second - 1.0)


@dataclass(frozen=True)
class StepTime:
    """A straight line through the steady-state time of one step against the batch size.

    ``seconds_per_step ~ fixed_seconds + seconds_per_image * batch_size``: the intercept is
    what every step costs whatever its size (Python, launching kernels, the optimizer's
    update of every weight, metrics), the slope the arithmetic per image.
    """

    fixed_seconds: float
    seconds_per_image: float
    batch_sizes: tuple[int, ...]

    def fixed_fraction(self, batch_size: int) -> float:
        """Fraction of a step of ``batch_size`` images that is the fixed cost (0 to 1)."""
        total = self.fixed_seconds + self.seconds_per_image * _check_count("batch_size", batch_size)
        return min(1.0, max(0.0, self.fixed_seconds / total)) if total > 0 else 0.0


def _batch_size_only(results: Sequence[Throughput]) -> list[Throughput]:
    """Return the measured results that differ from the default settings in batch size only."""
    default = SpeedVariant("default")
    return [
        r
        for r in results
        if not r.skipped
        and replace(r.variant, name="default", batch_size=128, description="") == default
    ]


def fit_step_time(results: Sequence[Throughput]) -> StepTime:
    """Fit :class:`StepTime` to the results that differ from the baseline only in batch size.

    Uses every measured result whose other settings are the defaults: NumPy float32 input,
    the float32 policy, Keras' default ``jit_compile``, one step per execution.

    Raises
    ------
    ValueError
        When fewer than two distinct batch sizes are among them.

    Examples
    --------
    >>> def fake(batch, per_second):
    ...     result = _skipped(SpeedVariant(f"b{batch}", batch_size=batch), "", "m", "b")
    ...     return replace(result, skipped=None, images_per_second=per_second)
    >>> line = fit_step_time([fake(64, 64 / 0.012), fake(256, 256 / 0.036)])
    >>> round(line.fixed_seconds, 4), round(line.seconds_per_image * 1e6, 1)
    (0.004, 125.0)
    """
    plain = _batch_size_only(results)
    sizes = sorted({r.variant.batch_size for r in plain})
    if len(sizes) < 2:
        raise ValueError(
            f"results must include at least two batch sizes of otherwise default variants; "
            f"got {sizes}."
        )
    batch = np.array([r.variant.batch_size for r in plain], dtype=np.float64)
    step = np.array([r.seconds_per_step for r in plain], dtype=np.float64)
    slope, intercept = np.polyfit(batch, step, 1)
    return StepTime(float(intercept), float(slope), tuple(sizes))


def format_throughputs(results: Sequence[Throughput]) -> str:
    """Return an aligned table: images/s, speed against the baseline, verdict, start-up.

    Examples
    --------
    >>> print(format_throughputs([_skipped(SpeedVariant("tf_data"), "no TF", "m", "jax")]))
    variant  images/s  vs baseline  verdict         start-up  GFLOP/s  train acc.  settings
    tf_data         -            -  skipped: no TF         -        -           -  defaults
    """
    header = (
        "variant",
        "images/s",
        "vs baseline",
        "verdict",
        "start-up",
        "GFLOP/s",
        "train acc.",
        "settings",
    )
    rows = []
    for r in results:
        if r.skipped:
            rows.append((r.name, "-", "-", r.verdict, "-", "-", "-", r.variant.knobs()))
            continue
        rows.append(
            (
                r.name,
                f"{r.images_per_second:,.0f}",
                "-" if r.relative is None else f"{r.relative:.2f}x",
                r.verdict or "-",
                f"{r.startup_seconds:.1f} s",
                f"{r.gflops:.1f}",
                f"{r.final_accuracy:.3f}",
                r.variant.knobs(),
            )
        )
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    left = {0, 3, 7}

    def line(row: Sequence[str]) -> str:
        cells = [
            cell.ljust(widths[i]) if i in left else cell.rjust(widths[i])
            for i, cell in enumerate(row)
        ]
        return "  ".join(cells).rstrip()

    return "\n".join(line(row) for row in (header, *rows))


# --------------------------------------------------------------------------- figures

_COLOURS = {"faster": "tab:green", "no change": "tab:gray", "slower": "tab:red"}


def plot_throughputs(results: Sequence[Throughput], title: str | None = None) -> Figure:
    """Draw a horizontal bar of steady-state images per second for every variant.

    Bars are green when the variant was faster than the baseline, grey within the
    tolerance (the shaded band), red when slower, blue for the baseline (pale for its
    repeat); the dashed line marks the baseline's speed (the mean of its two measurements
    when it was repeated). Skipped variants are listed with their reason instead of a bar.

    Examples
    --------
    >>> def fake(name, speed, words):
    ...     result = _skipped(SpeedVariant(name), "", "fast_cnn", "tensorflow")
    ...     return replace(result, skipped=None, images_per_second=speed, verdict=words,
    ...                    relative=speed / 1000)
    >>> fig = plot_throughputs([fake("baseline", 1000, "baseline"),
    ...                         fake("xla", 600, "1.67x slower")])
    >>> fig.axes[0].get_xlabel()
    'training images per second (steady state; longer is faster)'
    """
    import matplotlib.pyplot as plt

    if not results:
        raise ValueError("results must hold at least one Throughput.")
    groups = by_verdict(results)
    colour_of = {
        id(r): _COLOURS[key] for key, group in groups.items() for r in group if key in _COLOURS
    }
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(results) + 1.6), layout="constrained")
    positions = np.arange(len(results))[::-1]
    baseline = next((r for r in results if r.verdict == "baseline" and r.relative), None)
    for y, r in zip(positions, results, strict=True):
        if r.skipped:
            ax.text(0, y, f"  skipped: {r.skipped}", va="center", fontsize=8, color="tab:gray")
            continue
        colour = "lightsteelblue" if r.repeat else colour_of.get(id(r), "tab:blue")
        ax.barh(y, r.images_per_second, color=colour)
        label = f" {r.relative:.2f}x" if r.relative is not None else ""
        ax.text(r.images_per_second, y, label, va="center", fontsize=8)
    if baseline is not None:
        reference = baseline.images_per_second / baseline.relative
        ax.axvline(reference, color="black", linestyle="--", linewidth=1, label="baseline")
        if baseline.tolerance:
            low, high = reference * (1 - baseline.tolerance), reference * (1 + baseline.tolerance)
            ax.axvspan(low, high, color="gray", alpha=0.15, label="no change (tolerance)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.set_yticks(positions, [r.name for r in results])
    ax.set_xlabel("training images per second (steady state; longer is faster)")
    ax.set_ylabel("variant")
    measured = [r for r in results if not r.skipped]
    if measured:
        ax.set_xlim(0, 1.18 * max(r.images_per_second for r in measured))
    model_name = results[0].model_name
    ax.set_title(
        title or f"Training speed of {model_name}: which settings beat the baseline (dashed line)?"
    )
    return fig


def plot_step_times(results: Sequence[Throughput], title: str | None = None) -> Figure:
    """Draw the time of one step against the batch size, with the line of :func:`fit_step_time`.

    Where the line meets the vertical axis is the fixed cost of every step; a point far
    above zero there means small batches are dominated by overhead.

    Examples
    --------
    >>> def fake(batch, per_second):
    ...     result = _skipped(SpeedVariant(f"b{batch}", batch_size=batch), "", "m", "b")
    ...     return replace(result, skipped=None, images_per_second=per_second)
    >>> fig = plot_step_times([fake(64, 5000.0), fake(256, 7000.0)])
    >>> fig.axes[0].get_ylabel()
    'milliseconds per step'
    """
    import matplotlib.pyplot as plt

    line = fit_step_time(results)
    points = _batch_size_only(results)
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    batch = np.array([r.variant.batch_size for r in points], dtype=np.float64)
    ax.plot(batch, [1e3 * r.seconds_per_step for r in points], "o", label="measured")
    grid = np.linspace(0, batch.max() * 1.05, 50)
    ax.plot(
        grid,
        1e3 * (line.fixed_seconds + line.seconds_per_image * grid),
        "--",
        label=f"fit: {1e3 * line.fixed_seconds:.1f} ms + "
        f"{1e6 * line.seconds_per_image:.0f} us per image",
    )
    ax.set_xlim(0, None)
    ax.set_ylim(min(0.0, 1e3 * line.fixed_seconds * 1.2), None)
    ax.set_xlabel("batch size (images per step)")
    ax.set_ylabel("milliseconds per step")
    ax.legend()
    ax.set_title(title or "Time per training step: the intercept is the fixed cost every step pays")
    return fig
