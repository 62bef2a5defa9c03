"""Every patch runs only on the release it was written for: an upgrade must look at it again."""
from __future__ import annotations

from pathlib import Path


class UnpatchedVersion(RuntimeError):
    """The installed release differs from the one a patch was written and tested against."""


def require_version(package: str, found: str, patched: str, patch_file: str) -> None:
    """Raise UnpatchedVersion unless `found` is `patched` (constraints.txt pins it, so only an upgrade differs)."""
    if found != patched:
        raise UnpatchedVersion(
            f"{Path(patch_file).name} patches {package} {patched}, found {found}: check that {package} still needs "
            f"the patch (and that it still fits), then update the version it names"
        )
