"""The kept ranks (store/derived.py) never change an answer: due, risk and list read
from them give what scoring every customer from scratch gives, on random archives;
a write, another day or another kam.yaml makes them be worked out again; a damaged
file is ignored; the file holds no code or name."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from conftest import Kam

from kam.ops.context import Context
from kam.ops.customers import load_ranked
from kam.scoring import Scorer
from kam.store.derived import path_for

STAGES = ["潜在客户", "意向客户", "合作中", "长期合作", "流失风险客户"]
LEVELS = ["高价值", "中价值", "低价值", ""]


def _random_archive(kam: Kam, seed: int, n: int = 15) -> None:
    rng = random.Random(seed)
    for i in range(n):
        code = f"R{seed}{i:03d}"
        args = ["add", "--code", code, "--name", f"客户{seed}-{i}", "--stage", rng.choice(STAGES),
                "--owner", rng.choice(["张华", "李明"])]
        if level := rng.choice(LEVELS):
            args += ["--value-level", level]
        if rng.random() < 0.3:
            args += ["--tag", "重点跟进"]
        kam(*args)
        for _ in range(rng.randrange(0, 4)):
            day = f"2026-{rng.randrange(1, 11):02d}-{rng.randrange(1, 28):02d}"
            kind = rng.choice(["call", "visit", "order", "complaint"])
            extra = ["--amount", str(rng.randrange(1000, 90000))] if kind == "order" else []
            kam("log", code, "记录", "-k", kind, "--date", day, *extra)
        if rng.random() < 0.1:
            kam("archive", code)


def _from_scratch(kam: Kam, day: str = "2026-11-23") -> dict[str, tuple[str, float]]:
    from datetime import date

    ctx = Context.create(kam.db, today=date.fromisoformat(day))
    with ctx.reader() as store:
        everyone = store.customers(include_archived=True)
    scorer = Scorer(ctx.settings, ctx.today)
    return {c.code: tuple(scorer.rank(c)) for c in everyone}  # type: ignore[misc]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kept_ranks_give_the_same_answers(kam: Kam, seed: int) -> None:
    _random_archive(kam, seed)
    keep = path_for(kam.db)
    assert not keep.exists()  # every write drops it
    first = {cmd: kam(cmd, "-f", "json").stdout for cmd in ("due", "risk", "list")}
    assert keep.exists()
    again = {cmd: kam(cmd, "-f", "json").stdout for cmd in ("due", "risk", "list")}
    assert first == again
    ctx = Context.create(kam.db)
    _customers, ranks = load_ranked(ctx, include_archived=True)
    assert {k: tuple(v) for k, v in ranks.items()} == _from_scratch(kam)
    # score --explain computes from scratch: it agrees with what list shows
    listed = {c["code"]: c["tier"] for c in json.loads(first["list"])}
    scored = {r["code"]: r["tier"] for r in kam.json("score")}
    assert all(scored[code] == tier for code, tier in listed.items())


def test_what_the_ranks_depend_on(kam: Kam, kam_env: Path) -> None:
    _random_archive(kam, 7, n=8)
    kam("due")
    keep = path_for(kam.db)
    kept = keep.read_bytes()
    kam("due", "--today", "2027-03-01")  # another day: worked out for it
    assert keep.read_bytes() != kept
    kam("due")
    (kam_env.parent / "kam.yaml").write_text(
        "scoring:\n  tiers:\n    - {name: A, label: 核心, min: 10}\n"
        "    - {name: B, label: 其他, min: 0}\n", encoding="utf-8")
    tiers = {c["tier"] for c in kam.json("list")}
    assert tiers <= {"A", "B"}  # the new tiers, not the kept ones
    (kam_env.parent / "kam.yaml").unlink()
    kam("log", "R7000", "电话", "-k", "call")
    assert not keep.exists()


def test_a_damaged_or_foreign_file_is_ignored(kam: Kam) -> None:
    _random_archive(kam, 9, n=6)
    want = kam("list", "-f", "json").stdout
    keep = path_for(kam.db)
    for junk in (b"{ damaged", b"[]", b'{"gen": 1}', json.dumps(
            {"gen": 999, "key": "x", "ranks": [["A", 99]] * 6}).encode()):
        keep.write_bytes(junk)
        assert kam("list", "-f", "json").stdout == want


def test_the_file_holds_no_code_or_name(kam: Kam) -> None:
    _random_archive(kam, 4, n=6)
    kam("due")
    text = path_for(kam.db).read_text(encoding="utf-8")
    assert "R4" not in text and "客户" not in text


def test_the_review_agrees_with_and_without_kept_ranks(kam: Kam) -> None:
    _random_archive(kam, 5, n=12)
    kam("due")  # keeps today's ranks
    with_kept = kam("review", "--quarter", "2026Q4", "-f", "json").stdout
    path_for(kam.db).unlink()
    assert kam("review", "--quarter", "2026Q4", "-f", "json").stdout == with_kept
