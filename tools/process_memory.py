"""Resident memory of a process (and its children): now (VmRSS) and its peak (VmHWM), from /proc/PID/status."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Union


def _children(pid: int) -> List[int]:
    result = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            result.append(int(stat.parent.name))
    return result


def _status_kb(pid: Union[int, str], field: str) -> Optional[int]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _vm_hwm_kb(pid: Union[int, str]) -> Optional[int]:
    return _status_kb(pid, "VmHWM")


def rss_mb(pid: int) -> float:
    """Resident memory of `pid` now, in MB."""
    return round((_status_kb(pid, "VmRSS") or 0) / 1024.0, 1)


def process_peak_mb(pid: int) -> float:
    """Peak resident memory of `pid` alone since it started or since `reset_peak`, in MB."""
    return round((_vm_hwm_kb(pid) or 0) / 1024.0, 1)


def reset_peak(pid: int) -> None:
    """Restart `pid`'s peak (VmHWM) from its current RSS (Linux: clear_refs 5; the same user or root)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def peak_rss_mb(pid: Union[int, str]) -> Optional[float]:
    """Peak RSS in MB of `pid` ("self" for this process) plus its live children (each at its own peak)."""
    total = _vm_hwm_kb(pid)
    if total is None:
        return None
    if pid != "self":
        total += sum(_vm_hwm_kb(child) or 0 for child in _children(int(pid)))
    return round(total / 1024.0, 1)
