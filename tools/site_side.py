"""Which side of the real-question split a NEW site goes to: train or holdout, set by its host, never chosen.

Usage: python -m tools.site_side ldnresearchtrust.org https://www.example.com/page ...
The host (without "www.") is hashed: sha1 mod 10 below TRAIN_SHARE_IN_TENTHS is train (about 60/40 over
many sites). Used from round 4 of issue 15 on (eval/real_questions/sources.yml; docs/LABELLING.md).
"""
from __future__ import annotations

import hashlib
import sys
from typing import List, Optional

#: Six sites in ten go to training, as the issue asks (about 60/40).
TRAIN_SHARE_IN_TENTHS = 6


def host_of(site: str) -> str:
    host = site.strip().lower().split("//")[-1].split("/")[0]
    return host[4:] if host.startswith("www.") else host


def side_of(site: str) -> str:
    digest = int(hashlib.sha1(host_of(site).encode("utf-8")).hexdigest(), 16)
    return "train" if digest % 10 < TRAIN_SHARE_IN_TENTHS else "holdout"


def main(argv: Optional[List[str]] = None) -> int:
    sites = sys.argv[1:] if argv is None else argv
    if not sites:
        print(__doc__.splitlines()[2])
        return 2
    for site in sites:
        print(host_of(site), side_of(site))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
