"""Which device trains: GPUs found, memory growth, a CPU override, a one-line description.

Works with every Keras 3 backend. TensorFlow-only calls (``tf.config``) are made only when
the backend is TensorFlow; with ``KERAS_BACKEND=torch`` or ``jax`` the same functions ask
PyTorch or JAX. Nothing here is imported by ``import convbook``.

The choice comes from ``$CONVBOOK_DEVICE`` (``auto``, ``cpu`` or ``gpu``; see
:mod:`convbook.settings`) unless a ``choice`` argument overrides it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from convbook import _checks, hardware, settings

#: The CPU flags of bfloat16 arithmetic with which ``mixed_bfloat16`` was measured to pay:
#: AVX-512 bfloat16 dot products (``avx512_bf16``: Intel Cooper Lake and later, AMD Zen 4)
#: and Intel's bfloat16 matrix tiles (AMX, ``amx_bf16``: Sapphire Rapids and later).
BFLOAT16_CPU_FLAGS: frozenset[str] = hardware.BFLOAT16_FLAGS
#: The networks that train faster in ``mixed_bfloat16`` on such a CPU: those with wide
#: convolutions. Measured with TensorFlow, batches of 128 MNIST images, time per training
#: step in float32 -> mixed_bfloat16. On a 2-core Intel Xeon (Sapphire Rapids, AMX):
#: deep_cnn 717 -> 388 ms, simple_cnn 130 -> 66 ms, alexnet_small 130 -> 49 ms,
#: compact_cnn 34 -> 21 ms; the others were as fast or slower (lenet5 21 -> 34 ms, fast_cnn
#: 25 -> 67 ms, keras_example_cnn 36 -> 44 ms, dense_net 16 -> 15 ms): their layers are too
#: narrow to keep the matrix units busy, and every layer still casts its weights on every
#: step. On a 2-core AMD EPYC (Zen 4: ``avx512_bf16``, no AMX): deep_cnn 511 -> 297 ms,
#: simple_cnn 64 -> 39 ms, alexnet_small 60 -> 40 ms, compact_cnn 21 -> 15 ms; the narrow
#: ones gained less (fast_cnn 14.5 -> 13.0 ms, keras_example_cnn 21 -> 16 ms, dense_net
#: 7.8 -> 6.7 ms) and lose on the Xeon, so they stay in float32 on both.
BFLOAT16_FASTER: frozenset[str] = frozenset(
    {"simple_cnn", "compact_cnn", "deep_cnn", "alexnet_small"}
)
#: The Keras dtype policies a network can be built in: the precision choices but ``auto``.
DTYPE_POLICIES: tuple[str, ...] = tuple(c for c in settings.PRECISION_CHOICES if c != "auto")


class DeviceUnavailable(RuntimeError):
    """A GPU was asked for (``CONVBOOK_DEVICE=gpu``) but none is visible."""


@dataclass(frozen=True)
class DeviceInfo:
    """The device convbook trains on."""

    kind: str  # "GPU" or "CPU"
    name: str
    backend: str
    gpus: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.kind}: {self.name} (Keras backend: {self.backend})"


def _backend() -> str:
    import keras

    return keras.backend.backend()


def list_gpus() -> tuple[str, ...]:
    """Return the names of the GPUs the current Keras backend can use (may be empty).

    Examples
    --------
    >>> isinstance(list_gpus(), tuple)
    True
    """
    backend = _backend()
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        names = []
        for gpu in gpus:
            details = tf.config.experimental.get_device_details(gpu)
            names.append(details.get("device_name", gpu.name))
        return tuple(names)
    if backend == "torch":
        import torch

        return tuple(torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count()))
    if backend == "jax":
        import jax

        return tuple(d.device_kind for d in jax.devices() if d.platform == "gpu")
    return ()


def configure(choice: str | None = None) -> DeviceInfo:
    """Apply the device choice and return what will train.

    With ``"auto"`` a GPU is used when present (TensorFlow gets memory growth, so it does
    not reserve the whole card); ``"cpu"`` hides the GPUs from TensorFlow; ``"gpu"``
    raises :class:`DeviceUnavailable` when there is none. Call it before building models.

    Parameters
    ----------
    choice
        ``"auto"``, ``"cpu"`` or ``"gpu"``; default from ``$CONVBOOK_DEVICE``.

    Examples
    --------
    >>> str(configure("cpu")).startswith("CPU")
    True
    """
    choice = settings.device_choice() if choice is None else choice
    _checks.choice("choice", choice, settings.DEVICE_CHOICES)
    backend = _backend()
    gpus = list_gpus()
    if choice == "gpu" and not gpus:
        raise DeviceUnavailable(
            f"CONVBOOK_DEVICE=gpu but the {backend} backend sees no GPU; "
            "install GPU support (pip install 'convbook[gpu]') or use CONVBOOK_DEVICE=auto."
        )
    if backend == "tensorflow" and gpus:
        import tensorflow as tf

        physical = tf.config.list_physical_devices("GPU")
        try:
            if choice == "cpu":
                tf.config.set_visible_devices([], "GPU")
            else:
                for gpu in physical:
                    tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:
            pass  # TensorFlow already initialised its devices; the earlier setting stands.
    if choice == "cpu" or not gpus:
        return DeviceInfo("CPU", str(hardware.cpu_info()), backend, gpus)
    return DeviceInfo("GPU", gpus[0], backend, gpus)


def describe() -> str:
    """Return a one-line description of the device training would use now.

    Examples
    --------
    >>> describe().split(":")[0] in ("CPU", "GPU")
    True
    """
    return str(configure())


def precision_policy(
    choice: str | None = None, info: DeviceInfo | None = None, model_name: str | None = None
) -> str:
    """Return the Keras dtype policy a network trains in: ``"float32"`` or ``"mixed_bfloat16"``.

    ``"mixed_bfloat16"`` computes every layer in bfloat16 and keeps the weights in float32
    (see the "Making it fast" chapter). ``"auto"`` picks it only where it was measured to
    pay: a network of :data:`BFLOAT16_FASTER` trained by TensorFlow on a CPU with bfloat16
    instructions (one of :data:`BFLOAT16_CPU_FLAGS`). Everywhere else (other networks,
    other CPUs, GPUs, other backends) it picks ``"float32"``.

    Parameters
    ----------
    choice
        ``"auto"``, ``"float32"`` or ``"mixed_bfloat16"``; default ``$CONVBOOK_PRECISION``.
    info
        The device that will train (default: :func:`configure` with ``$CONVBOOK_DEVICE``).
    model_name
        The builder's name (:func:`convbook.models.build`); ``None``, an unnamed network,
        counts as one that does not gain.

    Examples
    --------
    >>> precision_policy("float32", model_name="deep_cnn")
    'float32'
    >>> precision_policy("auto", model_name="lenet5")
    'float32'
    >>> precision_policy("auto", model_name="deep_cnn") in ("float32", "mixed_bfloat16")
    True
    """
    choice = settings.precision() if choice is None else choice
    _checks.choice("precision", choice, settings.PRECISION_CHOICES)
    if choice != "auto":
        return choice
    info = configure() if info is None else info
    if (
        model_name in BFLOAT16_FASTER
        and info.kind == "CPU"
        and info.backend == "tensorflow"
        and BFLOAT16_CPU_FLAGS & hardware.cpu_flags()
    ):
        return "mixed_bfloat16"
    return "float32"


@contextlib.contextmanager
def dtype_policy(policy: str) -> Iterator[None]:
    """Build layers under Keras' global dtype policy ``policy``, then put the old one back.

    A layer keeps the policy it was built with, so a model built inside trains and predicts
    in that policy after the block, while code outside (a chapter's own Keras) is unaffected.

    Examples
    --------
    >>> import keras
    >>> with dtype_policy("mixed_bfloat16"):
    ...     layer = keras.layers.Dense(2)
    >>> layer.compute_dtype, layer.variable_dtype, keras.config.dtype_policy().name
    ('bfloat16', 'float32', 'float32')
    """
    import keras

    _checks.choice("policy", policy, DTYPE_POLICIES)
    before = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(before)
