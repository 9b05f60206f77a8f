"""Benchmarks: not part of the test run. `python tests/bench.py [--sizes 1000,10000,50000]`

Reports, for each size, wall time (best of 3) and peak memory of the daily
commands against the floor (`json.load` of kam's customers file), and for a
10,000-row workbook, import and export against openpyxl doing the same work.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from kam.activity import refresh  # noqa: E402
from kam.models import Customer  # noqa: E402
from kam.records import new_interaction  # noqa: E402
from kam.store.db import open_store  # noqa: E402

TODAY = date(2026, 11, 23)
KAM = [sys.executable, "-m", "kam"]
STAGES = ["prospect", "intent", "active", "long_term"]
LEVELS = ["high", "medium", "low", None]
WORDS = "华东精密机械科技商贸咨询服务集团物流能源医疗教育电子化工农业服饰餐饮文化传媒"


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(WORDS) for _ in range(6)) + "有限公司"


def build_db(path: Path, n: int, per_customer: int = 10, seed: int = 1) -> None:
    """n customers with per_customer interactions each, written through kam's store."""
    rng = random.Random(seed)
    with open_store(path, write=True, create=True) as store:
        for i in range(n):
            code = f"KH{i:06d}"
            c = Customer(code, _name(rng), contact="王某", title="采购经理",
                         contact_info=f"139{rng.randrange(10**8):08d}", industry="制造业",
                         size="200-500人", value_level=rng.choice(LEVELS),
                         need="设备采购", stage=rng.choice(STAGES), owner=rng.choice("甲乙丙丁"),
                         tags=("重点跟进",), note="下季度计划扩产", extra={"微信": f"wx{i}"},
                         dates={"birthday": f"19{rng.randrange(60, 99)}-{rng.randrange(1, 13):02d}"
                                            f"-{rng.randrange(1, 29):02d}"},
                         created="2024-01-01T09:00:00", updated="2024-01-01T09:00:00")
            log = []
            for j in range(per_customer):
                d = TODAY - timedelta(days=rng.randrange(1, 400))
                kind = rng.choice(["call", "visit", "order", "wechat", "complaint", "follow_up"])
                amount = float(rng.randrange(1000, 200000)) if kind == "order" else None
                log.append(new_interaction(code, d, kind, "电话沟通新品需求，客户反馈良好", amount,
                                           None, f"{d}T10:00:{j:02d}"))
            for item in log:
                store.add_interaction(item)
            log.sort(key=lambda x: (x.date, x.created))
            store.put(refresh(c, log, TODAY))
        store.commit()


# A small launcher runs each command, so that its peak memory is the command's own
# (a child forked from this big process would report this process's pages).
LAUNCHER = ("import resource, subprocess, sys, time\n"
            "t = time.perf_counter()\n"
            "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
            "wall = time.perf_counter() - t\n"
            "if r.returncode: sys.exit(r.stderr.decode()[-500:])\n"
            "print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n")


def run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one command."""
    out = subprocess.run([sys.executable, "-c", LAUNCHER, *args], env=env, capture_output=True,
                         text=True)
    if out.returncode:
        raise SystemExit(f"failed: {' '.join(args)}: {out.stderr}")
    wall, mem = out.stdout.split()
    return float(wall), float(mem)


def best(args: list[str], env: dict[str, str], times: int = 3) -> tuple[float, float]:
    runs = [run(args, env) for _ in range(times)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


def daily(sizes: list[int], work: Path) -> None:
    print(f"{'customers':>9} {'what':<24} {'seconds':>8} {'x floor':>8} {'MiB':>6}")
    for n in sizes:
        db = work / f"db{n}" / "kam.json"
        if n == 10000 and Path("/tmp/bench10k/kam.json").exists():  # reuse between runs
            db = Path("/tmp/bench10k/kam.json")
        t = time.perf_counter()
        if not db.exists():
            build_db(db, n)
        built = time.perf_counter() - t
        env = {**os.environ, "KAM_DB": str(db), "KAM_TODAY": TODAY.isoformat(),
               "COLUMNS": "100"}
        floor, floor_mem = best([sys.executable, "-c",
                                 f"import json; json.load(open({str(db)!r}, encoding='utf-8'))"],
                                env)
        size = db.stat().st_size / 2**20
        log_size = db.with_name("kam.interactions.json").stat().st_size / 2**20
        print(f"{n:>9} {'(build ' + f'{built:.1f} s; kam.json {size:.1f} MiB, log {log_size:.1f} MiB)':<24}")
        print(f"{n:>9} {'json.load (floor)':<24} {floor:>8.3f} {1:>8.2f} {floor_mem:>6.0f}")
        for label, args in [
            ("kam --version", ["--version"]),
            ("kam due -f json", ["due", "-f", "json"]),
            ("kam due (table)", ["due"]),
            ("kam due (table, all)", ["due", "--limit", "0"]),
            ("kam risk -f json", ["risk", "-f", "json"]),
            ("kam score -f json", ["score", "-f", "json"]),
            ("kam list -f json", ["list", "-f", "json"]),
            ("kam review --quarter", ["review", "--quarter", "2026Q4", "-f", "json"]),
            ("kam digest", ["digest"]),
            ("kam show", ["show", "KH000007"]),
            ("kam log (a write)", ["log", "KH000007", "bench", "--date", "2026-11-23"]),
            ("completion of a code", ["completion"]),
        ]:
            if label.startswith("completion"):  # what the shell runs on Tab
                args = []
                env = {**env, "_KAM_COMPLETE": "complete_bash", "COMP_WORDS": "kam show KH00000",
                       "COMP_CWORD": "2"}
            wall, mem = best(KAM + args, env)
            print(f"{n:>9} {label:<24} {wall:>8.3f} {wall / floor:>8.2f} {mem:>6.0f}")
        if n == 10000:
            backup_cost(db, env)


def backup_cost(db: Path, env: dict[str, str]) -> None:
    """A write with backups against one with none kept; the disk 20 writes' backups hold."""
    none = db.with_name("no-backups.yaml")
    none.write_text("backups: {keep: 0, daily: 0}\n", encoding="utf-8")
    args = KAM + ["edit", "KH000001", "--note"]
    plain, _ = best(args + ["x1", "--config", str(none)], env)
    kept, _ = best(args + ["x2"], env)
    for k in range(20):
        run(args + [f"n{k}"], env)
    used = subprocess.run(["du", "-sk", str(db.with_name("kam.backups"))], capture_output=True,
                          text=True).stdout.split()[0]
    print(f"{10000:>9} {'kam edit, no backups':<24} {plain:>8.3f}")
    print(f"{10000:>9} {'kam edit, with backup':<24} {kept:>8.3f}   "
          f"(20 backups hold {int(used) / 1024:.0f} MiB on disk)")


def sheets(rows: int, work: Path) -> None:
    import openpyxl

    src = work / "big.xlsx"
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("客户")
    header = ["序号", "客户编号", "客户名称", "联系人", "职务", "联系方式", "所属行业", "企业规模",
              "客户价值等级", "核心需求类型", "合作阶段", "最近跟进时间", "跟进内容简述", "负责人",
              "状态标签", "备注", "微信"]
    ws.append(header)
    rng = random.Random(2)
    for i in range(rows):
        ws.append([i + 1, f"KH{i:06d}", _name(rng), "王某", "经理", 13900000000 + i, "制造业",
                   "50人以下", "高价值", "设备采购", "合作中", TODAY - timedelta(days=i % 300),
                   "新品需求对接", "李明", "重点跟进", "备注", f"wx{i}"])
    wb.save(src)

    def bare_read() -> None:
        book = openpyxl.load_workbook(src, read_only=True, data_only=True)
        for _ in book.worksheets[0].iter_rows(values_only=True):
            pass
        book.close()

    def bare_write() -> None:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(header)
        for i in range(rows):
            sheet.append([i + 1, f"KH{i:06d}", "名称", "王某", "经理", str(13900000000 + i),
                          "制造业", "50人以下", "高价值", "设备采购", "合作中",
                          TODAY - timedelta(days=i % 300), "新品需求对接", "李明", "重点跟进",
                          "备注", f"wx{i}"])
        book.save(work / "bare.xlsx")

    def timed(fn) -> float:  # type: ignore[no-untyped-def]
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - t)
        return min(runs)

    read, write = timed(bare_read), timed(bare_write)
    env = {**os.environ, "KAM_TODAY": TODAY.isoformat()}
    imports = []
    for k in range(3):
        env["KAM_DB"] = str(work / f"imp{k}" / "kam.json")
        imports.append(run(KAM + ["import", str(src)], env))
    imp, imp_mem = min(i[0] for i in imports), max(i[1] for i in imports)
    exp, exp_mem = best(KAM + ["export", str(work / "out.xlsx")], env)
    print(f"\n{rows} rows: openpyxl read-only pass {read:.2f} s; kam import {imp:.2f} s "
          f"({imp / read:.2f}x), peak {imp_mem:.0f} MiB")
    print(f"{rows} rows: openpyxl writing the same cells {write:.2f} s; kam export {exp:.2f} s "
          f"({exp / write:.2f}x), peak {exp_mem:.0f} MiB")
    crm(5000, work)


def crm(rows: int, work: Path) -> None:
    """A CRM export with 40 columns, most of them extra, against openpyxl's bare pass."""
    import openpyxl

    from tests.test_import_sheets import crm_export

    src = crm_export(work / "crm.xlsx", rows)

    def bare_read() -> None:
        book = openpyxl.load_workbook(src, read_only=True, data_only=True)
        for _ in book.worksheets[0].iter_rows(values_only=True):
            pass
        book.close()

    runs = []
    for _ in range(3):
        t = time.perf_counter()
        bare_read()
        runs.append(time.perf_counter() - t)
    read = min(runs)
    env = {**os.environ, "KAM_TODAY": TODAY.isoformat()}
    imports = []
    for k in range(3):
        env["KAM_DB"] = str(work / f"crm{k}" / "kam.json")
        imports.append(run(KAM + ["import", str(src)], env))
    imp = min(i[0] for i in imports)
    print(f"{rows} CRM rows x 40 columns: openpyxl read-only pass {read:.2f} s; kam import "
          f"{imp:.2f} s ({imp / read:.2f}x)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1000,10000,50000")
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--skip-sheets", action="store_true")
    ap.add_argument("--only-sheets", action="store_true")
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if not opts.only_sheets:
            daily([int(s) for s in opts.sizes.split(",")], work)
        if not opts.skip_sheets:
            sheets(opts.rows, work)


if __name__ == "__main__":
    main()
