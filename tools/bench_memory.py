"""Peak resident memory of a process and its children, from /proc/PID/status (VmHWM)."""
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


def _vm_hwm_kb(pid: Union[int, str]) -> Optional[int]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_rss_mb(pid: Union[int, str]) -> Optional[float]:
    """Peak RSS in MB of `pid` ("self" for this process) plus its live children (each at its own peak)."""
    total = _vm_hwm_kb(pid)
    if total is None:
        return None
    if pid != "self":
        total += sum(_vm_hwm_kb(child) or 0 for child in _children(int(pid)))
    return round(total / 1024.0, 1)
