"""tools/site_side.py: the round-4 sites' sides recorded in eval/real_questions/sources.yml are the hash's."""
from __future__ import annotations

import yaml

from runtime.servers import PROJECT_DIR
from tools.site_side import host_of, side_of

SOURCES = PROJECT_DIR / "eval" / "real_questions" / "sources.yml"


def test_the_host_is_compared_without_scheme_path_or_www() -> None:
    assert host_of("https://www.Example.org/ldn/faq") == "example.org" == host_of("example.org")
    assert side_of("https://www.example.org/a") == side_of("example.org")


def test_every_round_4_site_is_on_the_side_its_host_gives() -> None:
    entries = [e for e in yaml.safe_load(SOURCES.read_text(encoding="utf-8"))["sources"] if e.get("round") == 4]
    assert len(entries) >= 150
    assert [e["id"] for e in entries if side_of(e["url"]) != e["split"]] == []
    sides = [e["split"] for e in entries]
    assert 0.4 <= sides.count("train") / len(sides) <= 0.75
