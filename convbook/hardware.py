"""Facts about this machine's CPU: model name, cores, clock, feature flags, bfloat16 support.

``/proc/cpuinfo`` (Linux) is read once and the answer cached; where it does not exist
(macOS, Windows) the model name falls back to :mod:`platform`, and the clock and flags are
unknown. Standard library only: :mod:`convbook.devices`, :mod:`convbook.flops` and
:mod:`convbook.speed` ask this module, and none of it needs Keras.

Examples
--------
>>> from convbook import hardware
>>> facts = hardware.cpu_info()
>>> facts.cores >= 1
True
>>> isinstance(facts.flags, frozenset)
True
"""

from __future__ import annotations

import functools
import os
import platform
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CpuInfo", "cpu_bfloat16_support", "cpu_flags", "cpu_info", "parse_cpuinfo"]

_CPUINFO = Path("/proc/cpuinfo")

#: Flags of the CPU instructions that multiply bfloat16 numbers natively.
BFLOAT16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


@dataclass(frozen=True)
class CpuInfo:
    """What is known about the CPU.

    Attributes
    ----------
    model
        The model name (``"Intel(R) Xeon(R) ..."``), or what :mod:`platform` says.
    cores
        Logical CPUs the operating system reports (:func:`os.cpu_count`).
    mhz
        The clock of the first CPU in ``/proc/cpuinfo`` in MHz, or ``None`` if unknown.
    flags
        The feature flags of the first CPU (empty when unknown).
    """

    model: str
    cores: int
    mhz: float | None
    flags: frozenset[str]

    def __str__(self) -> str:
        return f"{self.model}, {self.cores} cores"


def parse_cpuinfo(text: str) -> tuple[str | None, float | None, frozenset[str]]:
    r"""Return the model name, clock (MHz) and flags of the first CPU in ``/proc/cpuinfo`` text.

    Examples
    --------
    >>> text = "\n".join(["model name : Some CPU", "cpu MHz : 2400.5", "flags : fpu avx2"])
    >>> model, mhz, flags = parse_cpuinfo(text)
    >>> model, mhz, sorted(flags)
    ('Some CPU', 2400.5, ['avx2', 'fpu'])
    >>> parse_cpuinfo("")
    (None, None, frozenset())
    """
    model: str | None = None
    mhz: float | None = None
    flags: frozenset[str] | None = None
    for line in text.splitlines():
        key, separator, value = line.partition(":")
        if not separator:
            continue
        key, value = key.strip(), value.strip()
        if key == "model name" and model is None:
            model = value
        elif key == "cpu MHz" and mhz is None:
            try:
                mhz = float(value)
            except ValueError:
                pass
        elif key == "flags" and flags is None:
            flags = frozenset(value.split())
    return model, mhz, flags or frozenset()


@functools.cache
def cpu_info() -> CpuInfo:
    """Return the facts about this CPU (read once, then cached).

    Examples
    --------
    >>> str(cpu_info()).endswith("cores")
    True
    """
    try:
        text = _CPUINFO.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    model, mhz, flags = parse_cpuinfo(text)
    model = model or platform.processor() or platform.machine() or "unknown CPU"
    return CpuInfo(model=model, cores=os.cpu_count() or 1, mhz=mhz, flags=flags)


def cpu_flags() -> frozenset[str]:
    """Return the CPU's feature flags from ``/proc/cpuinfo`` (empty where it is unreadable).

    Examples
    --------
    >>> isinstance(cpu_flags(), frozenset)
    True
    """
    return cpu_info().flags


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
    found = sorted(flags & BFLOAT16_FLAGS)
    if found:
        return f"yes: {', '.join(found)}"
    return "no: neither avx512_bf16 nor amx_bf16"
