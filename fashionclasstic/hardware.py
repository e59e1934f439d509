"""What this machine computes natively, read once per process and recorded with every run.

A default that depends on the hardware (the networks' precision) is chosen from this at run
time, never tuned on one CPU: bfloat16 is only a candidate where the CPU has native bf16
instructions (AVX512-BF16 or AMX) and the frameworks may use them. The frameworks' own caps are
honoured, so an AVX-512 machine emulating a common AVX2-only CI runner
(``ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2``) is treated as one.

A leaf module: it reads ``/proc/cpuinfo`` and the environment, and imports no framework.
"""

from __future__ import annotations

import functools
import os
import platform
from dataclasses import dataclass

# Vector instruction sets from the widest down, as the CPU flags name them.
ISA_FLAGS = (("amx", ("amx_bf16", "amx_tile")), ("avx512_bf16", ("avx512_bf16",)), ("avx512", ("avx512f",)),
             ("avx2", ("avx2",)), ("avx", ("avx",)))
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
ISA_NAMES = {"amx": "AMX", "avx512_bf16": "AVX-512 BF16", "avx512": "AVX-512", "avx2": "AVX2", "avx": "AVX"}
# oneDNN's ISA caps (ONEDNN_MAX_CPU_ISA, DNNL_MAX_CPU_ISA) that still allow its bf16 kernels.
ONEDNN_BF16_CAPS = frozenset({"ALL", "AVX512_CORE_BF16", "AVX512_CORE_FP16", "AVX512_CORE_AMX",
                              "AVX512_CORE_AMX_FP16", "AVX10_1_512", "AVX10_1_512_AMX", "AVX10_1_512_AMX_FP16",
                              "AVX10_2_512", "AVX10_2_512_AMX_2"})
# torch's ATEN_CPU_CAPABILITY values that use AVX-512 kernels.
ATEN_AVX512 = frozenset({"avx512", "avx512_vnni", "avx512_bf16", "amx"})


def isa_name(isa: str | None) -> str:
    """A recorded ISA as its vendors write it (``avx512_bf16``: AVX-512 BF16); other values as they are."""
    return ISA_NAMES.get(isa or "", isa or "")


@dataclass(frozen=True)
class Capabilities:
    """The widest vector ISA the frameworks will use here, and whether bf16 math is native."""

    isa: str  # amx, avx512_bf16, avx512, avx2, avx, or the machine's architecture elsewhere
    native_bf16: bool
    reason: str  # why bf16 is (not) native, for the record and the run header

    @property
    def precisions(self) -> tuple[str, ...]:
        """The precisions worth trying for training on this CPU, the safe one first."""
        return ("float32", "bfloat16") if self.native_bf16 else ("float32",)

    def as_machine_info(self) -> dict:
        return {"isa": self.isa, "native_bf16": self.native_bf16}


def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags from ``/proc/cpuinfo``; none known elsewhere (then float32)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as lines:
            for line in lines:
                if line.startswith(("flags", "Features")):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def detect(flags: frozenset[str], environ: dict[str, str]) -> Capabilities:
    """The capabilities that ``flags`` give, under the frameworks' caps in ``environ``."""
    isa = next((name for name, needed in ISA_FLAGS if set(needed) <= flags), platform.machine() or "unknown")
    aten = environ.get("ATEN_CPU_CAPABILITY", "").strip().lower()
    onednn = (environ.get("ONEDNN_MAX_CPU_ISA") or environ.get("DNNL_MAX_CPU_ISA") or "").strip().upper()
    if aten and aten not in ATEN_AVX512:
        isa = aten if isa not in ("avx", "avx2") else isa
        return Capabilities(isa, False, f"ATEN_CPU_CAPABILITY={aten} keeps torch off AVX-512 (and its bf16 kernels)")
    if onednn and onednn not in ONEDNN_BF16_CAPS:
        isa = onednn.lower() if onednn.startswith("AVX") else isa
        return Capabilities(isa, False, f"ONEDNN_MAX_CPU_ISA={onednn} keeps oneDNN off its bf16 kernels")
    native = sorted(flags & BF16_FLAGS)
    if native:
        return Capabilities(isa, True, f"the CPU has {' and '.join(native)}")
    return Capabilities(isa, False, f"the CPU ({isa}) has no native bf16 instructions (avx512_bf16 or amx_bf16)")


@functools.cache
def capabilities() -> Capabilities:
    """This process's capabilities (one decision per run, or per xdist worker: its own machine)."""
    return detect(cpu_flags(), dict(os.environ))
