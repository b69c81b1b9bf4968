"""CPU facts (convbook.hardware): /proc/cpuinfo read once, parsed, and used by flops and devices."""

from __future__ import annotations

import pytest

from convbook import devices, flops, hardware, speed

CPUINFO = """\
processor\t: 0
model name\t: Example CPU @ 2.40GHz
cpu MHz\t\t: 2400.000
flags\t\t: fpu sse avx2 avx512_bf16

processor\t: 1
model name\t: Example CPU @ 2.40GHz
cpu MHz\t\t: 1200.000
flags\t\t: fpu
"""


def test_parse_reads_the_first_cpu():
    model, mhz, flags = hardware.parse_cpuinfo(CPUINFO)
    assert model == "Example CPU @ 2.40GHz"
    assert mhz == 2400.0
    assert flags == {"fpu", "sse", "avx2", "avx512_bf16"}


def test_parse_tolerates_missing_and_bad_fields():
    assert hardware.parse_cpuinfo("cpu MHz : fast\nno colon here\n") == (None, None, frozenset())


def test_facts_are_read_once():
    assert hardware.cpu_info() is hardware.cpu_info()
    assert hardware.cpu_info().cores >= 1 and hardware.cpu_info().model


@pytest.fixture
def example_cpu(monkeypatch, tmp_path):
    path = tmp_path / "cpuinfo"
    path.write_text(CPUINFO)
    monkeypatch.setattr(hardware, "_CPUINFO", path)
    hardware.cpu_info.cache_clear()
    yield hardware.cpu_info()
    hardware.cpu_info.cache_clear()


def test_every_user_reads_the_same_facts(example_cpu):
    assert speed.cpu_bfloat16_support() == "yes: avx512_bf16"
    assert speed.cpu_flags() == example_cpu.flags
    assert flops.cpu_peak_flops(4) == 4 * 2400.0e6 * flops.CPU_FLOPS_PER_CYCLE
    assert flops.cpu_peak_flops() == example_cpu.cores * 2400.0e6 * flops.CPU_FLOPS_PER_CYCLE
    assert str(example_cpu) == f"Example CPU @ 2.40GHz, {example_cpu.cores} cores"


def test_without_cpuinfo_nothing_is_made_up(monkeypatch, tmp_path):
    monkeypatch.setattr(hardware, "_CPUINFO", tmp_path / "absent")
    hardware.cpu_info.cache_clear()
    try:
        assert hardware.cpu_info().mhz is None and hardware.cpu_flags() == frozenset()
        assert flops.cpu_peak_flops() is None
        assert hardware.cpu_bfloat16_support().startswith("unknown")
        assert hardware.cpu_info().model  # platform's answer, or "unknown CPU"
    finally:
        hardware.cpu_info.cache_clear()


def test_peak_flops_checks_its_argument():
    with pytest.raises(ValueError, match="cores must be a positive integer; got 0."):
        flops.cpu_peak_flops(0)
    with pytest.raises(TypeError, match="name must be a GPU name"):
        flops.gpu_peak_flops(None)


def test_device_description_names_the_cpu(example_cpu):
    assert devices.configure("cpu").name == str(example_cpu)
