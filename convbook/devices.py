"""Which device trains: GPUs found, memory growth, a CPU override, a one-line description.

Works with every Keras 3 backend. TensorFlow-only calls (``tf.config``) are made only when
the backend is TensorFlow; with ``KERAS_BACKEND=torch`` or ``jax`` the same functions ask
PyTorch or JAX. Nothing here is imported by ``import convbook``.

The choice comes from ``$CONVBOOK_DEVICE`` (``auto``, ``cpu`` or ``gpu``; see
:mod:`convbook.settings`) unless a ``choice`` argument overrides it.
"""

from __future__ import annotations

from dataclasses import dataclass

from convbook import _checks, hardware, settings


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
