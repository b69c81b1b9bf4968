"""The settings a speed comparison varies, and how much it trains per variant.

A :class:`SpeedVariant` names one way of training the same model; :data:`VARIANTS` are the
ones the "Making it fast" chapter times, the first being the baseline. :class:`SpeedPlan`
says how many images and epochs a comparison trains per variant under each budget.

Examples
--------
>>> from convbook.speed import variants
>>> variants.get_variant("xla").jit_compile
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from convbook import _checks, settings

__all__ = [
    "DTYPE_POLICIES",
    "INPUT_DTYPES",
    "PIPELINES",
    "VARIANTS",
    "VARIANT_NAMES",
    "SpeedPlan",
    "SpeedVariant",
    "get_variant",
    "speed_plan",
]

Pipeline = Literal["numpy", "tf_data"]

PIPELINES: tuple[str, ...] = ("numpy", "tf_data")
DTYPE_POLICIES: tuple[str, ...] = ("float32", "mixed_bfloat16", "mixed_float16", "float64")
INPUT_DTYPES: tuple[str, ...] = ("float32", "float64")


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
        _checks.text("name", self.name)
        if self.model is not None:
            _checks.text("model", self.model)
        _checks.positive_int("batch_size", self.batch_size)
        _checks.positive_int("steps_per_execution", self.steps_per_execution)
        if not (isinstance(self.jit_compile, bool) or self.jit_compile == "auto"):
            kind = ValueError if isinstance(self.jit_compile, str) else TypeError
            _checks.fail("jit_compile", self.jit_compile, "'auto', True or False", kind)
        _checks.choice("dtype_policy", self.dtype_policy, DTYPE_POLICIES)
        _checks.choice("input_dtype", self.input_dtype, INPUT_DTYPES)
        _checks.choice("pipeline", self.pipeline, PIPELINES)
        _checks.boolean("cache", self.cache)
        _checks.boolean("prefetch", self.prefetch)
        _checks.instance("description", self.description, str, "a string")

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
    return VARIANTS[VARIANT_NAMES.index(_checks.choice("name", name, VARIANT_NAMES))]


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


_PLANS = {
    "smoke": SpeedPlan(train_samples=2048, epochs=3),
    "full": SpeedPlan(train_samples=4096, epochs=3),
    "long": SpeedPlan(train_samples=15360, epochs=3),
}


def speed_plan(budget: str | None = None) -> SpeedPlan:
    """Return the plan of ``budget``, one of :data:`convbook.settings.BUDGETS`.

    Without ``budget``, the setting (:func:`convbook.settings.budget`).

    Examples
    --------
    >>> speed_plan("smoke")
    SpeedPlan(train_samples=2048, epochs=3)
    """
    budget = settings.budget() if budget is None else budget
    return _PLANS[_checks.choice("budget", budget, settings.BUDGETS)]
