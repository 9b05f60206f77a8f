"""Benchmarks: not part of the test run.

    python tests/bench.py [--sizes 1000,10000,100000] [--rows 10000] [--markdown FILE]

kam runs from a regular (non-editable) install in a venv the bench makes
(/tmp/kam-bench/venv, rebuilt when kam's files change): an editable install adds
an import hook no user has. Every figure is the median of 5 runs after a warm-up,
as whole-process CPU time (user + system) and wall time, with the peak RSS; the
ratios are CPU time against, in the same run:
- the floor: `python -c "import json; json.load(open('kam.json'))"`;
- the peer: Taskwarrior's `task next limit:25` on as many pending tasks (Debian's
  `taskwarrior`; skipped with a message when `task` is not installed);
- for start-up, `python -c pass`, and the owner's stack doing nothing,
  `python -c "import typer, rich.table"` (the floor of a start-bound command);
- for writes, `kam due -f json` on the same archive;
- for sheets, openpyxl's read-only pass over the same workbook and openpyxl
  writing the same cells.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from kam.activity import refresh  # noqa: E402
from kam.models import Customer  # noqa: E402
from kam.records import new_interaction  # noqa: E402
from kam.store.db import open_store  # noqa: E402

TODAY = date(2026, 11, 23)
WORK = Path("/tmp/kam-bench")
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


# --- measuring ----------------------------------------------------------------

# A small launcher runs each command, so that the figures are the command's own
# (a child forked from this big process would report this process's pages).
LAUNCHER = ("import resource, subprocess, sys, time\n"
            "t = time.perf_counter()\n"
            "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
            "wall = time.perf_counter() - t\n"
            "if r.returncode: sys.exit(r.stderr.decode()[-500:])\n"
            "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
            "print(wall, u.ru_utime + u.ru_stime, u.ru_maxrss / 1024)\n")


class Figure:
    def __init__(self, cpu: float, wall: float, mib: float):
        self.cpu, self.wall, self.mib = cpu, wall, mib


Job = tuple[list[str], dict[str, str]]  # a command and its environment


def measure_many(jobs: list[Job], times: int = 5, warm: bool = True) -> list[Figure]:
    """For each job, the median CPU and wall seconds and the peak RSS (MiB) of `times`
    runs after a warm-up. The jobs take turns (a run of each, then the next round): on
    shared cores the machine's speed drifts by a third over minutes, and the figures a
    table compares must see the same drift. An argument's {n} becomes the run's number
    (a write that changes something each time, an import into a new archive)."""
    runs: list[list[tuple[float, float, float]]] = [[] for _ in jobs]
    for k in range(times + (1 if warm else 0)):
        for done, (args, env) in zip(runs, jobs, strict=True):
            out = subprocess.run([sys.executable, "-c", LAUNCHER,
                                  *(a.replace("{n}", str(k)) for a in args)], env=env,
                                 capture_output=True, text=True)
            if out.returncode:
                raise SystemExit(f"failed: {' '.join(args)}: {out.stderr}")
            if warm and k == 0:
                continue
            wall, cpu, mib = (float(x) for x in out.stdout.split())
            done.append((cpu, wall, mib))
    return [Figure(statistics.median(r[0] for r in done), statistics.median(r[1] for r in done),
                   max(r[2] for r in done)) for done in runs]


def regular_install() -> Path:
    """A venv with kam installed as users install it (pip install ., not editable),
    rebuilt when kam's files change. Its python."""
    digest = hashlib.sha256()
    for f in sorted((ROOT / "kam").rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts:
            digest.update(f.relative_to(ROOT).as_posix().encode() + f.read_bytes())
    digest.update((ROOT / "pyproject.toml").read_bytes())
    venv = WORK / "venv"
    stamp = venv / "kam-source.sha256"
    python = venv / "bin" / "python"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    # setuptools' build/ keeps copies it takes as current when their times are newer
    # than the sources' (after a checkout, a restore): an install must not take them
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    print("(making a regular install of kam in", venv, "...)", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(ROOT)], check=True)
    stamp.write_text(digest.hexdigest())
    return python


# --- the peer -----------------------------------------------------------------

def taskwarrior(n: int) -> dict[str, str] | None:
    """An environment whose Taskwarrior holds n pending tasks like a salesperson's
    (Chinese descriptions, due dates, tags, priorities); None without `task`."""
    if shutil.which("task") is None:
        return None
    home = WORK / f"task{n}"
    env = {**os.environ, "TASKRC": str(home / "taskrc"), "TASKDATA": str(home / "data")}
    if not (home / "done").exists():
        shutil.rmtree(home, ignore_errors=True)
        (home / "data").mkdir(parents=True)
        (home / "taskrc").write_text(f"data.location={home / 'data'}\nconfirmation=off\n"
                                     "verbose=nothing\nhooks=off\n", encoding="utf-8")
        rng = random.Random(3)
        tasks = [{"description": f"跟进 {_name(rng)} 新品需求", "status": "pending",
                  "entry": "20240101T090000Z",
                  "due": (TODAY + timedelta(days=rng.randrange(-60, 60))).strftime(
                      "%Y%m%dT000000Z"),
                  "priority": rng.choice("HML"), "tags": ["重点跟进", rng.choice("甲乙丙丁")],
                  "project": "客户"} for _ in range(n)]
        subprocess.run(["task", "import", "-"], input=json.dumps(tasks, ensure_ascii=False),
                       env=env, text=True, capture_output=True, check=True)
        (home / "done").write_text("")
    return env


# --- the runs -----------------------------------------------------------------

DAILY = [("due", ["due", "-f", "json"]), ("due (table)", ["due"]),
         ("risk", ["risk", "-f", "json"]), ("score", ["score", "-f", "json"]),
         ("list", ["list", "-f", "json"]), ("digest", ["digest"]),
         ("completion", []), ("show", ["show", "KH000007"]),
         ("review (quarter)", ["review", "--quarter", "2026Q4", "-f", "json"])]
WRITES = [["log", "KH000011", "bench", "--date", "2026-11-23"], ["done", "KH000012", "电话回访"],
          ["edit", "KH000013", "--note", "bench {n}"]]


def archive(n: int) -> Path:
    db = WORK / f"db{n}" / "kam.json"
    if not (db.parent / "built").exists():
        shutil.rmtree(db.parent, ignore_errors=True)
        t = time.perf_counter()
        build_db(db, n)
        (db.parent / "built").write_text(f"{time.perf_counter() - t:.1f}")
    return db


def kam_command(python: Path) -> list[str]:
    """The console script users run (shell completion is keyed to its name)."""
    script = python.parent / "kam"
    return [str(script)] if script.exists() else [str(python), "-m", "kam"]


def daily(python: Path, sizes: list[int], out: list[str]) -> None:
    kam = kam_command(python)
    bare = {k: v for k, v in os.environ.items() if not k.startswith(("KAM_", "_KAM"))}
    env0 = {**bare, "XDG_CACHE_HOME": str(WORK / "cache"), "COLUMNS": "100"}
    py, stack, version, helped = measure_many([
        ([str(python), "-c", "pass"], env0),
        ([str(python), "-c", "import typer, rich.table"], env0),
        (kam + ["--version"], env0), (kam + ["--help"], env0)])
    out += ["### Start-up", "",
            "| what | CPU s | x `python -c pass` | wall s | peak MiB |", "|---|---|---|---|---|",
            f"| `python -c pass` | {py.cpu:.3f} | 1.00 | {py.wall:.3f} | {py.mib:.0f} |",
            f"| stack: `python -c \"import typer, rich.table\"` | {stack.cpu:.3f} | "
            f"{stack.cpu / py.cpu:.2f} | {stack.wall:.3f} | {stack.mib:.0f} |",
            f"| `kam --version` | {version.cpu:.3f} | {version.cpu / py.cpu:.2f} | "
            f"{version.wall:.3f} | {version.mib:.0f} |",
            f"| `kam --help` | {helped.cpu:.3f} | {helped.cpu / py.cpu:.2f} | "
            f"{helped.wall:.3f} | {helped.mib:.0f} |", ""]
    print("\n".join(out[-8:]), flush=True)
    for n in sizes:
        db = archive(n)
        env = {**env0, "KAM_DB": str(db), "KAM_TODAY": TODAY.isoformat()}
        peer_env = taskwarrior(n)
        # a Tab press: bash with the script `kam completion bash` prints, completing a code
        script = db.with_name("kam.bash")
        script.write_bytes(subprocess.run(kam + ["completion", "bash"], env=env, check=True,
                                          capture_output=True).stdout)
        tab = ["bash", "-c", f"source {script}; COMP_WORDS=(kam show KH00000); COMP_CWORD=2; "
               "_kam_complete"]
        jobs: list[Job] = [([str(python), "-c", f"import json; json.load(open({str(db)!r}, "
                             "encoding='utf-8'))"], env),
                           *([(["task", "next", "limit:25"], peer_env)] if peer_env else []),
                           *((tab if label == "completion" else kam + args, env)
                             for label, args in DAILY),
                           *((kam + args, env) for args in WRITES)]
        figures = measure_many(jobs)
        floor = figures.pop(0)
        peer = figures.pop(0) if peer_env else None
        mib = db.stat().st_size / 2**20
        log = db.with_name("kam.interactions.json").stat().st_size / 2**20
        out += [f"### {n:,} customers, {10 * n:,} follow-ups (kam.json {mib:.1f} MiB, "
                f"follow-up log {log:.0f} MiB)", "",
                "| command | CPU s | x floor | x `task next` | x stack | wall s | peak MiB |",
                "|---|---|---|---|---|---|---|",
                f"| floor: `json.load` of kam.json | {floor.cpu:.3f} | 1.00 | "
                f"{floor.cpu / peer.cpu:.2f} | - | {floor.wall:.3f} | {floor.mib:.0f} |"
                if peer else f"| floor | {floor.cpu:.3f} | 1.00 | - | - | {floor.wall:.3f} | "
                f"{floor.mib:.0f} |"]
        if peer is not None:
            out.append(f"| peer: `task next limit:25` | {peer.cpu:.3f} | "
                       f"{peer.cpu / floor.cpu:.2f} | 1.00 | - | {peer.wall:.3f} | "
                       f"{peer.mib:.0f} |")
        else:
            print("(Taskwarrior is not installed: `apt-get install -y taskwarrior` for the peer)",
                  file=sys.stderr)
        due = None
        for label, args in DAILY:
            f = figures.pop(0)
            due = f if label == "due" else due
            vs_peer = f"{f.cpu / peer.cpu:.2f}" if peer else "-"
            out.append(f"| `kam {' '.join(args) or 'show KH00000<Tab>'}` | {f.cpu:.3f} | "
                       f"{f.cpu / floor.cpu:.2f} | {vs_peer} | {f.cpu / stack.cpu:.2f} | "
                       f"{f.wall:.3f} | {f.mib:.0f} |")
        assert due is not None
        for args in WRITES:  # a write: against `kam due` on the same archive
            f = figures.pop(0)
            out.append(f"| `kam {' '.join(args).replace('{n}', 'N')}` (x `due`: {f.cpu / due.cpu:.2f}) | "
                       f"{f.cpu:.3f} | {f.cpu / floor.cpu:.2f} | - | {f.cpu / stack.cpu:.2f} | "
                       f"{f.wall:.3f} | "
                       f"{f.mib:.0f} |")
        out.append("")
        print("\n".join(out[out.index(next(x for x in out if x.startswith(f"### {n:,}"))):]),
              flush=True)


def _legacy_copies(src: Path, work: Path) -> list[Path]:
    """src saved by LibreOffice as .xls and .ods (none without soffice)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        print("(LibreOffice is not installed: no .xls/.ods figures)", file=sys.stderr)
        return []
    made = []
    for target in ("xls:MS Excel 97", "ods"):
        subprocess.run([soffice, f"-env:UserInstallation=file://{work}/profile", "--headless",
                        "--convert-to", target, "--outdir", str(work), str(src)],
                       check=True, capture_output=True, timeout=900)
        made.append(work / f"{src.stem}.{target.split(':')[0]}")
    return made


def _wide_sheet(path: Path, rows: int, cols: int, dense: bool = True) -> Path:
    """A sheet of rows x cols cells (a code, a name, a phone, then small numbers, or with
    dense=False formatted empty cells, as a sheet whose whole columns were formatted),
    written as sheet XML directly: openpyxl takes minutes for ten million cells."""
    import zipfile

    head = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in
                   ["客户编号", "客户名称", "联系方式", *(f"列{j}" for j in range(cols - 3))])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                    b'spreadsheetml/2006/main"><sheetData><row>' + head.encode() + b"</row>")
            filler = "".join(f"<c><v>{j % 10}</v></c>" if dense else '<c s="0"/>'
                             for j in range(cols - 3)).encode()
            for i in range(rows):
                f.write(f'<row><c t="inlineStr"><is><t>KH{i:06d}</t></is></c><c t="inlineStr">'
                        f"<is><t>客户{i}</t></is></c><c><v>{13900000000 + i}</v></c>".encode()
                        + filler + b"</row>")
            f.write(b"</sheetData></worksheet>")
    return path


_TYPES = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
          'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
          'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
          'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
          'worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
         'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
         '</Relationships>')
_WORKBOOK = ('<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
             'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
             '2006/relationships"><sheets><sheet name="客户" sheetId="1" r:id="rId1"/></sheets>'
             '</workbook>')
_WORKBOOK_RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                  'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                  'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                  'Target="worksheets/sheet1.xml"/></Relationships>')


def _bloated_styles(src: Path, path: Path, size: int) -> Path:
    """src with a styles.xml of about `size` bytes (cell formats nobody uses, as years
    of copying and pasting between workbooks leave them)."""
    import re
    import zipfile

    with zipfile.ZipFile(src) as z:
        items = {n: z.read(n) for n in z.namelist()}
    styles = items["xl/styles.xml"].decode()
    xf = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    extra = xf * (size // len(xf))
    styles = re.sub(r"(<cellXfs[^>]*>)", lambda m: m.group(1) + extra, styles, count=1)
    items["xl/styles.xml"] = styles.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in items.items():
            z.writestr(n, data)
    return path


def sheets(python: Path, rows: int, out: list[str]) -> None:
    """Import of a template sheet (16 columns) and of a CRM export (40 columns), and
    export, against openpyxl doing the same work, in one process each."""
    import openpyxl

    from tests.test_import_sheets import crm_export

    work = WORK / "sheets"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    header = ["序号", "客户编号", "客户名称", "联系人", "职务", "联系方式", "所属行业", "企业规模",
              "客户价值等级", "核心需求类型", "合作阶段", "最近跟进时间", "跟进内容简述", "负责人",
              "状态标签", "备注"]
    template = work / "template.xlsx"
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("客户")
    ws.append(header)
    rng = random.Random(2)
    for i in range(rows):
        ws.append([i + 1, f"KH{i:06d}", _name(rng), "王某", "经理", 13900000000 + i, "制造业",
                   "50人以下", "高价值", "设备采购", "合作中", TODAY - timedelta(days=i % 300),
                   "新品需求对接", "李明", "重点跟进", "备注"])
    wb.save(template)
    crm = crm_export(work / "crm.xlsx", rows)
    read = ("import openpyxl, sys\n"
            "b = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)\n"
            "for _ in b.worksheets[0].iter_rows(values_only=True): pass\n")
    # the cells `kam export` writes of that archive: the template's 16 columns and the
    # next follow-up (下次跟进时间), dates as dates
    write = ("import openpyxl, sys, datetime\n"
             "b = openpyxl.Workbook(); s = b.active\n"
             f"s.append({[*header, '下次跟进时间']!r})\n"
             "day = datetime.date(2026, 1, 1)\n"
             f"for i in range({rows}):\n"
             "    s.append([i + 1, f'KH{i:06d}', '名称', '王某', '经理', str(13900000000 + i),"
             " '制造业', '50人以下', '高价值', '设备采购', '合作中', day,"
             " '新品需求对接', '李明', '重点跟进', '备注', day])\n"
             "b.save(sys.argv[1])\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAM_")}
    env["KAM_TODAY"] = TODAY.isoformat()
    out += [f"### Sheets of {rows:,} rows", "",
            "| what | CPU s | x openpyxl | wall s | peak MiB |", "|---|---|---|---|---|"]
    legacy = _legacy_copies(template, work)
    calamine = ("from python_calamine import CalamineWorkbook\nimport sys\n"
                "for _ in CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0)"
                ".iter_rows(): pass\n")
    for label, src in (("16 template columns", template), ("40 CRM columns", crm)):
        others = legacy if src == template else []
        bare, cal, imp, *more = measure_many(
            [([str(python), "-c", read, str(src)], env),
             ([str(python), "-c", calamine, str(src)], env),
             *(([*kam_command(python), "--db",  # each into a new archive
                 str(work / f"{f.name}{{n}}" / "kam.json"), "import", str(f)], env)
               for f in (src, *others))], times=3, warm=False)
        out += [f"| openpyxl read-only pass, {label} | {bare.cpu:.2f} | 1.00 | "
                f"{bare.wall:.2f} | {bare.mib:.0f} |",
                f"| python-calamine pass, {label} | {cal.cpu:.2f} | {cal.cpu / bare.cpu:.2f} | "
                f"{cal.wall:.2f} | {cal.mib:.0f} |"]
        for f, fig in zip((src, *others), (imp, *more), strict=True):
            out.append(f"| `kam import` {f.suffix}, {label} | {fig.cpu:.2f} | "
                       f"{fig.cpu / bare.cpu:.2f} | {fig.wall:.2f} | {fig.mib:.0f} |")
    wide = _wide_sheet(work / "wide.xlsx", 50_000, 200)
    formatted = _wide_sheet(work / "formatted.xlsx", 50_000, 200, dense=False)
    styled = _bloated_styles(template, work / "styled.xlsx", 10 << 20)
    bare_styled, imp_wide, imp_formatted, imp_styled = measure_many(
        [([str(python), "-c", read, str(styled)], env),
         ([*kam_command(python), "--db", str(work / "wide" / "kam.json"), "import", str(wide),
           "--dry-run"], env),
         ([*kam_command(python), "--db", str(work / "wide" / "kam.json"), "import",
           str(formatted), "--dry-run"], env),
         ([*kam_command(python), "--db", str(work / "styled" / "kam.json"), "import",
           str(styled), "--dry-run"], env)], times=1, warm=False)
    out += [f"| `kam import --dry-run`, 50,000 x 200 cells, every one a value "
            f"({wide.stat().st_size / 2**20:.1f} MB) | {imp_wide.cpu:.2f} | - | "
            f"{imp_wide.wall:.2f} | {imp_wide.mib:.0f} |",
            f"| `kam import --dry-run`, 50,000 x 200 cells, 3 values and 197 formatted empty "
            f"cells a row ({formatted.stat().st_size / 2**20:.1f} MB) | {imp_formatted.cpu:.2f} "
            f"| - | {imp_formatted.wall:.2f} | {imp_formatted.mib:.0f} |",
            f"| openpyxl read-only pass, {rows:,} rows, 10 MB styles.xml | {bare_styled.cpu:.2f}"
            f" | 1.00 | {bare_styled.wall:.2f} | {bare_styled.mib:.0f} |",
            f"| `kam import --dry-run`, the same | {imp_styled.cpu:.2f} | "
            f"{imp_styled.cpu / bare_styled.cpu:.2f} | {imp_styled.wall:.2f} | "
            f"{imp_styled.mib:.0f} |"]
    env["KAM_DB"] = str(work / f"{template.name}0" / "kam.json")  # the template imported
    bare, exp = measure_many([([str(python), "-c", write, str(work / "bare.xlsx")], env),
                              ([*kam_command(python), "export", str(work / "out.xlsx")], env)],
                             times=3)
    out += [f"| openpyxl writing the same cells | {bare.cpu:.2f} | 1.00 | {bare.wall:.2f} | "
            f"{bare.mib:.0f} |",
            f"| `kam export out.xlsx` | {exp.cpu:.2f} | {exp.cpu / bare.cpu:.2f} | "
            f"{exp.wall:.2f} | {exp.mib:.0f} |", ""]
    print("\n".join(out[-10:]), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--skip-sheets", action="store_true")
    ap.add_argument("--only-sheets", action="store_true")
    ap.add_argument("--python", type=Path, help="run this kam instead of a regular install")
    ap.add_argument("--markdown", type=Path, help="also write the tables to this file")
    opts = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    python = opts.python or regular_install()
    out: list[str] = []
    if not opts.only_sheets:
        daily(python, [int(s) for s in opts.sizes.split(",")], out)
    if not opts.skip_sheets:
        sheets(python, opts.rows, out)
    if opts.markdown:
        opts.markdown.write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
