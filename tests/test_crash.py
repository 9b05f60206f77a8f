"""Crash safety and concurrency, with real processes. Slow (about a minute); CI runs them."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kam.store.db import open_store

pytestmark = pytest.mark.slow
KAM = [sys.executable, "-m", "kam"]
KILLS_PER_WORKER = 104  # two workers: 200 kills (4 runs each learn how long a kind takes)


def _build(db: Path, n: int) -> None:
    from kam.activity import refresh
    from kam.models import Customer
    from kam.records import new_interaction

    with open_store(db, write=True, create=True) as store:
        for i in range(n):
            c = Customer(f"C{i:05d}", f"客户{i}有限公司", contact="王某", note="初始",
                         created="2026-01-01T09:00:00", updated="2026-01-01T09:00:00")
            log = [new_interaction(c.code, date(2026, 10, 1), "call", "初始电话", None, None,
                                   "2026-10-01T09:00:00")]
            store.add_interaction(log[0])
            store.put(refresh(c, log, date(2026, 11, 23)))
        store.commit()


def _state(db: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """What a reader sees: customers (without the change time) and interactions by id."""
    with open_store(db) as store:
        # updated and gen stamp the commit: not the data the kill may tear
        customers = {c.code: {**c.to_doc(), "updated": None, "gen": None}
                     for c in store.customers(True)}
        log = {i.id: i.to_doc() for i in store.interactions()}
    return customers, log


def _check(kind: str, tag: str, code: str, before: Any, after: Any) -> str:
    """'before' or 'after' when the state is exactly one of them; fail otherwise."""
    (c0, l0), (c1, l1) = before, after
    if (c0, l0) == (c1, l1):
        return "before"
    if kind == "log":
        new = [i for k, i in l1.items() if k not in l0]
        assert set(l0) <= set(l1) and len(new) == 1 and new[0]["summary"] == tag, "torn log"
        assert c1[code]["last_summary"] == tag, "log written without its customer"
        assert {k: v for k, v in c1.items() if k != code} == {
            k: v for k, v in c0.items() if k != code}, "other customers changed"
    elif kind == "unlog":  # the log written whole again (the journal folded in)
        assert set(l1) == set(l0) - {tag}, "torn removal"
        assert {k: v for k, v in c1.items() if k != code} == {
            k: v for k, v in c0.items() if k != code}, "other customers changed"
        assert c1[code]["stats"]["interactions"] == c0[code]["stats"]["interactions"] - 1
    elif kind == "edit":
        assert l1 == l0, "edit changed the log"
        assert {k: v for k, v in c1.items() if k != code} == {
            k: v for k, v in c0.items() if k != code}, "other customers changed"
        assert c1[code] == {**c0[code], "note": tag}, "edit half applied"
    else:  # import: every note or none
        assert l1 == l0
        assert all(c["note"] == tag for c in c1.values()), "import half applied"
    return "after"


def _command(kind: str, tag: str, code: str, work: Path) -> list[str]:
    if kind == "log":
        return ["log", code, tag, "--date", "2026-11-23"]
    if kind == "edit":
        return ["edit", code, "--note", tag]
    if kind == "unlog":
        return ["unlog", tag]
    sheet = work / f"{tag}.csv"
    rows = "".join(f"C{i:05d},{tag}\n" for i in range(2000))
    sheet.write_text("客户编号,备注\n" + rows, encoding="utf-8")
    # --prefer sheet: every row applies (notes edited in kam since would otherwise stay),
    # so that a half-applied import shows
    return ["import", str(sheet), "--prefer", "sheet"]


def _worker(work: Path, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    db = work / "kam.json"
    _build(db, 2000)
    env = {**os.environ, "KAM_DB": str(db), "KAM_TODAY": "2026-11-23", "KAM_LOCK_TIMEOUT": "20"}
    durations: dict[str, float] = {}
    outcomes = {"before": 0, "after": 0, "kills": 0}
    state = _state(db)
    for n in range(KILLS_PER_WORKER):
        kind = "import" if n % 12 == 0 else "unlog" if n % 12 == 6 else rng.choice(["log", "edit"])
        tag, code = f"t{seed}-{n}", f"C{rng.randrange(2000):05d}"
        if kind == "unlog":  # one of the follow-ups, most often one the journal holds
            tag = max(state[1], key=lambda k: (state[1][k]["created"], k)) if n % 24 == 6 else (
                rng.choice(sorted(state[1])))
            code = state[1][tag]["code"]
        args = KAM + _command(kind, tag, code, work)
        if kind not in durations:  # learn how long it takes, then kill inside that span
            t = time.perf_counter()
            subprocess.run(args, env=env, capture_output=True, check=True)
            durations[kind] = time.perf_counter() - t
            state = _state(db)
            continue
        p = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.1) * durations[kind])
        p.send_signal(signal.SIGKILL)
        p.wait()
        outcomes["kills"] += 1
        after = _state(db)  # a reader, before any writer has recovered anything
        outcomes[_check(kind, tag, code, state, after)] += 1
        state = after
        if n == KILLS_PER_WORKER // 2:
            _view_agrees(db, env)
    # the next writer recovers whatever was interrupted, and leaves no stray files
    subprocess.run(KAM + ["edit", "C00000", "--note", "final"], env=env, check=True,
                   capture_output=True)
    stray = [p.name for p in work.iterdir() if p.name.endswith((".tmp", ".pending"))]
    assert stray == []
    _view_agrees(db, env)
    return outcomes


def _view_agrees(db: Path, env: dict[str, str]) -> None:
    """After a kill, `due` from the daily view (as the killed write left it, patched or
    not) equals `due` worked out from scratch by the core."""
    from test_derived import due_from_scratch

    from kam.ops.context import Context
    from kam.store.derived import path_for

    def due() -> str:
        return subprocess.run(KAM + ["due", "-f", "json", "--days", "30"], env=env,
                              capture_output=True, check=True, text=True).stdout

    first = due()  # from the view the last write patched, or worked out and kept
    assert path_for(db).exists()
    assert json.loads(first) == due_from_scratch(Context.create(db, today=date(2026, 11, 23)),
                                                 30)
    assert due() == first  # read from the kept view
    path_for(db).unlink()
    assert due() == first  # worked out again


def test_sigkill_at_random_moments_leaves_before_or_after(tmp_path: Path) -> None:
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda s: _worker(tmp_path / f"w{s}", s), (1, 2)))
    kills = sum(r["kills"] for r in results)
    befores = sum(r["before"] for r in results)
    afters = sum(r["after"] for r in results)
    print(f"\n{kills} kills: {befores} left the state before, {afters} after")
    assert kills >= 200
    assert befores > 0 and afters > 0  # both sides of the commit point were hit


WRITER = """
import json, sys
from typer.testing import CliRunner
from kam.cli import app
wid, codes = sys.argv[1], sys.argv[2].split(",")
runner = CliRunner()
for n in range(100):
    r = runner.invoke(app, ["log", codes[n % len(codes)], f"w{wid}-{n}", "--date", "2026-11-23"])
    if r.exit_code != 0:
        sys.exit(f"writer {wid} step {n}: {r.exit_code} {r.stderr}")
"""

READER = """
import json, sys, time
from pathlib import Path
from typer.testing import CliRunner
from kam.cli import app
from kam.store.db import open_store
db, stop = Path(sys.argv[1]), Path(sys.argv[2])
runner = CliRunner()
reads = 0
while not stop.exists():
    for args in (["due", "-f", "json"], ["export", "-", "--format", "json"]):
        r = runner.invoke(app, args)
        assert r.exit_code == 0, r.stderr
        data = json.loads(r.stdout)
        if args[0] == "export":
            assert len(data) == 20, len(data)
    with open_store(db) as store:  # customers and log from one commit
        counts = {}
        for i in store.interactions():
            counts[i.code] = counts.get(i.code, 0) + 1
        for c in store.customers(True):
            assert c.stats["interactions"] == counts.get(c.code, 0), (c.code, reads)
    reads += 1
print(reads)
"""


def test_concurrent_writers_lose_nothing_and_readers_see_snapshots(tmp_path: Path) -> None:
    db = tmp_path / "kam.json"
    _build(db, 20)
    env = {**os.environ, "KAM_DB": str(db), "KAM_TODAY": "2026-11-23", "KAM_LOCK_TIMEOUT": "60"}
    stop = tmp_path / "stop"
    # writers 1-3 log on their own customers and on a shared one (C00000)
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(w),
                                 f"C{w:05d},C{w + 3:05d},C00000"], env=env,
                                stderr=subprocess.PIPE, text=True) for w in (1, 2, 3)]
    readers = [subprocess.Popen([sys.executable, "-c", READER, str(db), str(stop)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    for w in writers:
        _, err = w.communicate(timeout=600)
        assert w.returncode == 0, err
    stop.touch()
    reads = []
    for r in readers:
        out, err = r.communicate(timeout=120)
        assert r.returncode == 0, err
        reads.append(int(out))
    customers, log = _state(db)
    summaries = sorted(i["summary"] for i in log.values() if i["summary"].startswith("w"))
    assert summaries == sorted(f"w{w}-{n}" for w in (1, 2, 3) for n in range(100))
    assert len(log) == 20 + 300
    shared = [i for i in log.values() if i["code"] == "C00000"]
    assert customers["C00000"]["stats"]["interactions"] == len(shared) == 1 + 3 * 33
    print(f"\n300 concurrent writes, 0 lost; {sum(reads)} consistent reads")
    assert all(n > 0 for n in reads)


ERASE_KILLS = 20


def _phone(i: int) -> str:
    return f"139{i:08d}"


def test_sigkill_during_erase_never_leaves_the_data(tmp_path: Path) -> None:
    """A killed erase is finished by the next writer; re-running it exits 0; after that
    no file under the data directory holds the customer's phone number."""
    from kam.models import Customer

    db = tmp_path / "kam.json"
    with open_store(db, write=True, create=True) as store:
        for i in range(120):
            store.put(Customer(f"E{i:04d}", f"客户{i}", contact_info=_phone(i),
                               created="2026-01-01T09:00:00", updated="2026-01-01T09:00:00"))
        store.commit()
    env = {**os.environ, "KAM_DB": str(db), "KAM_TODAY": "2026-11-23", "KAM_LOCK_TIMEOUT": "20"}
    for i in range(6):  # backups and history lines that hold the phones
        subprocess.run(KAM + ["edit", f"E{i:04d}", "--note", f"n{i}"], env=env, check=True,
                       capture_output=True)
    t = time.perf_counter()
    subprocess.run(KAM + ["erase", "E0119", "--yes"], env=env, check=True, capture_output=True)
    duration = time.perf_counter() - t
    rng = random.Random(7)
    finished_by_next_writer = 0
    for n in range(ERASE_KILLS):
        code, phone = f"E{n:04d}", _phone(n).encode()
        p = subprocess.Popen(KAM + ["erase", code, "--yes"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # the last kills reach further when none has yet landed past the commit point
        reach = 1.2 if finished_by_next_writer or n < ERASE_KILLS - 5 else 2.5
        time.sleep(rng.uniform(0.2, reach) * duration)
        p.send_signal(signal.SIGKILL)
        p.wait()
        with open_store(db) as store:
            committed = store.find(code) is None
        if committed:  # past the commit point: any writer completes the erasure
            subprocess.run(KAM + ["edit", "E0100", "--note", f"after {n}"], env=env,
                           check=True, capture_output=True)
            leaks = [f.name for f in tmp_path.rglob("*") if f.is_file() and phone in
                     f.read_bytes()]
            assert leaks == [], (code, leaks)
            finished_by_next_writer += 1
        t = time.perf_counter()
        r = subprocess.run(KAM + ["erase", code, "--yes"], env=env, capture_output=True,
                           text=True)
        assert r.returncode == 0, r.stderr
        if not committed:  # a whole erase: the machine's pace now (it slows under load)
            duration = max(duration, time.perf_counter() - t)
        leaks = [f.name for f in tmp_path.rglob("*") if f.is_file() and phone in f.read_bytes()]
        assert leaks == [], (code, leaks)
    print(f"\n{ERASE_KILLS} kills during erase; {finished_by_next_writer} past the commit point, "
          "finished by the next writer")
    assert finished_by_next_writer > 0


def test_an_erase_racing_readers_that_work_the_view_out_leaves_nothing(tmp_path: Path) -> None:
    """Readers that work the daily view out from a kam.json read before an erasure
    committed must not write it after the erasure dropped it: no file keeps the phone."""
    from kam.models import Customer

    db = tmp_path / "kam.json"
    with open_store(db, write=True, create=True) as store:
        for i in range(1500):  # a view that takes a while to work out
            store.put(Customer(f"R{i:04d}", f"客户{i}", contact_info=_phone(i),
                               created="2026-01-01T09:00:00", updated="2026-01-01T09:00:00"))
        store.commit()
    env = {**os.environ, "KAM_DB": str(db), "KAM_TODAY": "2026-11-23", "KAM_LOCK_TIMEOUT": "20"}
    reader = ("import os, subprocess, sys\n"
              "view = sys.argv[1]\n"
              "while not os.path.exists(sys.argv[2]):\n"
              "    try: os.unlink(view)\n"
              "    except OSError: pass\n"
              "    subprocess.run([sys.executable, '-m', 'kam', 'due', '-f', 'json'],"
              " capture_output=True)\n")
    for n in range(8):
        code, phone = f"R{n:04d}", _phone(n).encode()
        stop = tmp_path / f"stop{n}"
        readers = [subprocess.Popen([sys.executable, "-c", reader, str(db.with_name(
            "kam.view.json")), str(stop)], env=env) for _ in range(2)]
        time.sleep(0.3 + 0.1 * n)
        subprocess.run(KAM + ["erase", code, "--yes"], env=env, check=True, capture_output=True)
        stop.touch()  # a reader under way finishes: it must not keep its view of before
        for p in readers:
            p.wait(timeout=60)
        leaks = [f.name for f in tmp_path.rglob("*") if f.is_file() and phone in f.read_bytes()]
        assert leaks == [], (code, leaks)
