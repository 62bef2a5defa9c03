"""Every patch runs only on the release it was written for (an upgrade must look at it again), once a process."""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Callable


class UnpatchedVersion(RuntimeError):
    """The installed release differs from the one a patch was written and tested against."""


def require_version(package: str, found: str, patched: str, patch_file: str) -> None:
    """Raise UnpatchedVersion unless `found` is `patched` (constraints.txt pins it, so only an upgrade differs)."""
    if found != patched:
        raise UnpatchedVersion(
            f"{Path(patch_file).name} patches {package} {patched}, found {found}: check that {package} still needs "
            f"the patch (and that it still fits), then update the version it names"
        )


class Patch:
    """A patch's install(): checks the package's release, then applies the patch the first time it is called."""

    def __init__(self, package: str, patched: str, patch_file: str, apply: Callable[[], None]) -> None:
        self.package, self.patched, self.patch_file, self.apply = package, patched, patch_file, apply
        self.installed = False
        self.__doc__ = apply.__doc__

    def __call__(self) -> None:
        if self.installed:
            return
        found = importlib.import_module(self.package.lower()).__version__
        require_version(self.package, found, self.patched, self.patch_file)
        self.apply()
        self.installed = True


def patch_of(package: str, patched: str, patch_file: str) -> Callable[[Callable[[], None]], Patch]:
    """Decorate the function that applies a patch of `package` release `patched` (written in `patch_file`)."""
    return lambda apply: Patch(package, patched, patch_file, apply)
