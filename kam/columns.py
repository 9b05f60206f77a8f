"""Spreadsheet columns: header matching, cell values, rows, export columns. Pure.

Finds the data sheet and its header row by how many cells match known
headers, maps headers (template names, synonyms, English, kam.yaml aliases)
to canonical keys, keeps every other column in `extra`, and converts each
row. What an import then does with the rows is kam/importplan.py's business.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from kam import kept
from kam.dates import coerce_date
from kam.errors import BadInput
from kam.i18n import t
from kam.records import check_code, contacts_text, split_tags
from kam.schema import HEADERS, Contact
from kam.settings import SIMPLIFIED, Settings

MAX_CELL = 32_767  # characters an Excel cell holds
SEQ = "#seq"  # the 序号 column: numbered on export, ignored on import
DERIVED = "#kam"  # kam's 评分 and 分层 read back: computed, not imported
# The one table of headers kam understands, per canonical key (matched without spaces,
# * or （必填）, case-insensitively). Chinese templates, legacy sheets, CRM and address-book
# exports (Zoho, Salesforce, HubSpot, Outlook/Google/Thunderbird, 企业微信, 钉钉).
# PERSON is a person's name: the customer's name where the row has no company name,
# else its contact person.
PERSON = "#person"
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    SEQ: ("序号", "no", "no.", "#", "行号", "序", "seq", "编号序号", "s/n"),
    "code": ("客户编号", "客户编码", "客户代码", "客户号", "编号", "客户id", "客户ID号", "账户id",
             "账户编号", "账号id", "会员编号", "会员id", "门店编号", "店铺编号", "网点编号",
             "customer id", "customerid",
             "customer code", "customer no", "customer number", "account id", "account number",
             "record id", "code", "id"),
    "name": ("客户名称", "公司名称", "客户全称", "单位名称", "企业名称", "客户名", "名称", "公司",
             "客户", "店名", "门店名称", "店铺名称", "网点", "网点名称", "机构名称", "组织",
             "所属公司", "单位", "company", "company name", "customer", "customer name",
             "account", "account name", "organization", "organisation", "organization name",
             "business name", "name"),
    PERSON: ("客户姓名", "姓名", "称呼", "显示名称", "全名", "display name", "full name",
             "contact full name", "first name last name"),
    "contact": ("联系人", "联系人姓名", "对接人", "负责联系人", "contact", "contact person",
                "contact name", "primary contact"),
    "title": ("职务", "职位", "联系人职务", "岗位", "title", "position", "job title", "role"),
    "contact_info": ("联系方式", "电话", "手机", "联系电话", "手机号", "手机号码", "客户手机号",
                     "客户电话", "移动电话", "电话号码", "固定电话", "固话", "座机", "办公电话",
                     "工作电话", "邮箱", "电子邮箱", "电子邮件", "主要电子邮件", "邮件地址",
                     "email", "e-mail", "e-mail address", "email address", "primary email",
                     "mail", "phone", "mobile", "mobile phone", "mobile number", "cell phone",
                     "tel", "telephone", "phone number", "work phone", "business phone",
                     "contact info"),
    "industry": ("所属行业", "行业", "行业类型", "industry", "sector"),
    "size": ("企业规模", "公司规模", "规模", "人员规模", "员工人数", "size", "company size",
             "employees", "no. of employees", "number of employees"),
    "value_level": ("客户价值等级", "价值等级", "客户等级", "客户级别", "等级", "级别", "客户分级",
                    "value level", "value", "grade", "level", "tier", "rating",
                    "customer rating"),
    "need": ("核心需求类型", "核心需求", "需求类型", "需求", "need", "needs", "requirement"),
    "stage": ("合作阶段", "客户阶段", "合作状态", "阶段", "客户状态", "跟进阶段", "销售阶段",
              "stage", "pipeline stage", "lifecycle stage", "lead status", "account type",
              "status"),
    "last_contact": ("最近跟进时间", "最近跟进日期", "最后跟进时间", "最后跟进日期",
                     "最近联系时间", "最近联系日期", "最后联系时间", "最后联系日期", "跟进时间",
                     "跟进日期", "最近沟通时间", "last contact", "last contacted",
                     "last contact date", "last follow-up", "last follow up", "last activity",
                     "last activity time", "last activity date"),
    "last_summary": ("跟进内容简述", "跟进内容", "跟进记录", "跟进情况", "沟通内容",
                     "最近跟进内容", "沟通记录", "summary", "last summary", "follow-up notes"),
    "owner": ("负责人", "销售负责人", "销售", "业务员", "客户经理", "跟进人", "归属人", "所属销售",
              "客户负责人", "owner", "sales", "salesperson", "sales rep", "account manager",
              "account owner", "contact owner", "lead owner", "record owner"),
    "tags": ("状态标签", "标签", "客户标签", "tags", "tag", "labels", "label", "categories"),
    "note": ("备注", "说明", "备注说明", "描述", "note", "notes", "remark", "remarks", "comment",
             "comments", "description"),
    # Not in the template, but kam keeps them: written on export, read back on import.
    "next_follow_up": ("下次跟进时间", "下次跟进日期", "下次跟进", "下次联系时间",
                       "next follow-up", "next follow up", "next contact"),
    "date.birthday": ("生日", "出生日期", "联系人生日", "birthday", "date of birth"),
    "date.contract_end": ("合同到期日", "合同到期", "合同到期时间", "合同截止日期",
                          "contract end", "contract expiry", "contract end date"),
    "date.project_start": ("项目启动日", "项目启动", "项目开始日期", "project start"),
    "date.anniversary": ("签约纪念日", "合作周年", "签约日期", "anniversary"),
    "lost_reason": ("流失原因", "丢单原因", "lost reason", "reason lost"),
    "contacts": ("其他联系人", "联系人列表", "other contacts"),
}
# The header export writes for a named date; other names get 日期:NAME.
DATE_HEADERS = {"birthday": "生日", "contract_end": "合同到期日", "project_start": "项目启动日",
                "anniversary": "签约纪念日"}
LOST_HEADER = "流失原因"
CONTACTS_HEADER = "其他联系人"  # one contact a line: NAME | ROLE | TITLE | PHONE
_DATE_HEADER = re.compile(r"^(?:日期|date)[:：]\s*(.+)$", re.IGNORECASE)
NEXT_HEADER = "下次跟进时间"
# kam's own figures, written after the template's columns (see _kams_figures).
SCORE_HEADER, TIER_HEADER = "评分", "分层"
# Several columns may feed contact_info (电话 and 邮箱); they are joined.
MULTI_KEYS = {"contact_info"}
JOIN = " / "
FOOTER = re.compile(r"^(合计|总计|小计|共计|total|sum|subtotal)", re.IGNORECASE)
_NOISE = re.compile(r"[*＊:：]|[（(]\s*(必填|选填|必选|可选|required|optional)\s*[)）]",
                    re.IGNORECASE)


def norm_header(text: Any) -> str:
    """NFKC, no spaces (full-width ones too), no * or （必填）, case-folded, traditional
    characters as simplified."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    s = _NOISE.sub("", s)
    return re.sub(r"\s+", "", s).casefold().translate(SIMPLIFIED)


def alias_index(settings: Settings, extra_map: dict[str, str] | None = None) -> dict[str, str]:
    """normalised header -> key; the user's aliases win over the built-in ones."""
    index: dict[str, str] = {}
    for key, names in HEADER_ALIASES.items():
        for n in names:
            index.setdefault(norm_header(n), key)
    for key, names in settings.import_aliases.items():
        for n in names:
            index[norm_header(n)] = key
    for header, key in (extra_map or {}).items():
        index[norm_header(header)] = key
    return index


@dataclass
class ColumnMap:
    index: int
    header: str  # as written in the sheet (stripped)
    key: str | None  # canonical key, SEQ, or None: kept in extra under header


@dataclass
class Layout:
    sheet: str
    header_row: int
    columns: list[ColumnMap]

    @property
    def unmapped(self) -> list[str]:
        return [c.header for c in self.columns if c.key is None]

    @property
    def covered(self) -> frozenset[int]:
        """The cell positions under a header; a row's other cells are kept as 列N."""
        found = self.__dict__.get("_covered")
        if found is None:
            found = self.__dict__["_covered"] = frozenset(c.index for c in self.columns)
        return found

    @property
    def keys(self) -> dict[int, str | None]:
        """Cell position -> the key of its column, worked out once."""
        found = self.__dict__.get("_keys")
        if found is None:
            found = self.__dict__["_keys"] = {c.index: c.key for c in self.columns}
        return found


def map_header(values: tuple[Any, ...], index: dict[str, str]) -> list[ColumnMap]:
    cols: list[ColumnMap] = []
    used: set[str] = set()
    seen_headers: dict[str, int] = {}
    for i, v in enumerate(values):
        if v is None or str(v).strip() == "":
            continue
        header = text_of(v)  # kept as written; matching uses norm_header
        if header in seen_headers:  # the same header twice: keep both values
            seen_headers[header] += 1
            header = f"{header} ({seen_headers[header]})"
        else:
            seen_headers[header] = 1
        key = index.get(norm_header(v))
        named = _DATE_HEADER.match(header)
        if key is None and named:
            key = f"date.{named.group(1).strip()}"
        if key is not None and key in used and key not in MULTI_KEYS:
            key = None  # a second column for a key already mapped: keep it as extra
        if key is not None:
            used.add(key)
        cols.append(ColumnMap(i, header, key))
    return _kams_figures(cols)


def _kams_figures(cols: list[ColumnMap]) -> list[ColumnMap]:
    """评分 and 分层 side by side are kam's own figures (an export read back): computed
    again, not imported. Either one alone is the sheet's figure, kept as 评分(原值)."""
    for n, c in enumerate(cols):
        if c.key is not None or c.header not in (SCORE_HEADER, TIER_HEADER):
            continue
        pair = [d for d in cols[max(n - 1, 0):n + 2] if abs(d.index - c.index) == 1
                and {c.header, d.header} == {SCORE_HEADER, TIER_HEADER}]
        if pair:
            c.key = DERIVED
        else:
            c.header = kept.raw(c.header)
    return cols


def find_layout(sheets: list[Any], index: dict[str, str], sheet_name: str | None = None,
                scan_rows: int = 20) -> tuple[Any, Layout] | None:
    """The (sheet, header) most like a customer list; None when nothing is.

    A header row needs a name, person or code column and one more key kam knows. Among
    the visible sheets (hidden ones only when named), the one with the most known
    headers times records wins: the full list, not a filtered copy with one more
    column. Ties go to the earlier sheet and row.
    """
    best: tuple[int, Any, Layout] | None = None
    for sh in sheets:
        if sheet_name is not None and sh.name != sheet_name:
            continue
        if sheet_name is None and not sh.visible:
            continue
        for n, values in sh.rows[:scan_rows]:
            cols = map_header(values, index)
            keys = {c.key for c in cols if c.key and c.key not in (SEQ, DERIVED)}
            if not keys & {"name", "code", PERSON} or len(cols) < 2:
                continue
            below = sum(1 for m, _ in sh.rows if m > n)
            records = max(below, (getattr(sh, "size_hint", 0) or 0) - n)
            score = len(keys) * max(records, 1)
            if best is None or score > best[0]:
                best = (score, sh, Layout(sh.name, n, cols))
    return None if best is None else (best[1], best[2])


_CODE_LIKE = re.compile(r"编号|编码|代码|id$|^id|号$|code|number|no\.?$", re.IGNORECASE)
_NAME_LIKE = re.compile(r"名称|名字|姓名|店名|name", re.IGNORECASE)


def refusal(sheets: list[Any], index: dict[str, str], sheet_name: str | None = None,
            named: bool = False) -> str:
    """Why no header row was found (named=True: why no row made a customer, the sheet
    having no name column): each sheet's likeliest header, what kam took each column
    for, and a --map built from the file's own headers."""
    parts: list[str] = []
    suggestion: list[str] = []
    for sh in sheets:
        if (sheet_name is not None and sh.name != sheet_name) or not sh.rows:
            continue
        # the widest of the first rows is most likely the header
        n, values = max(sh.rows[:5], key=lambda r: sum(v is not None for v in r[1]))
        cols = map_header(values, index)
        seen = ", ".join(c.header if c.key in (None, SEQ, DERIVED) else f"{c.header}→{c.key}"
                         for c in cols[:20])
        parts.append(t("sheet {sheet!r} row {row}: {headers}", sheet=sh.name, row=n,
                       headers=seen))
        if not suggestion:
            code = None if named else next((c.header for c in cols if c.key is None
                                            and _CODE_LIKE.search(c.header)), None)
            name = next((c.header for c in cols if c.key is None
                         and _NAME_LIKE.search(c.header) and c.header != code), None)
            suggestion = [f"--map {h}={k}" for h, k in ((code, "code"), (name, "name")) if h]
    hint = " ".join(suggestion) or "--map HEADER=name"
    if named:
        return t("no row makes a customer: the sheet has no customer name column, and its "
                 "codes are not in the archive. Found {found}. Map your headers, e.g. {hint} "
                 "(keys: code, name, contact, contact_info, owner, ...; or import.aliases in "
                 "kam.yaml)", found="; ".join(parts), hint=hint)
    return t("no header row kam recognises: it needs a name or a code column. Found {found}. "
             "Map your headers, e.g. {hint} (keys: code, name, contact, contact_info, owner, "
             "...; or import.aliases in kam.yaml)", found="; ".join(parts), hint=hint)


# --- values ------------------------------------------------------------------

def text_of(v: Any) -> str:
    """A cell as text: exact digits for numbers (13956781234, never 1.39e10)."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return format(v, ".15g")
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == time(0) else v.isoformat(sep=" ")
    if isinstance(v, (date, time)):
        return v.isoformat()
    return str(v).strip()


# Whole numbers this long are phone numbers or ids: text, as the template says.
ID_DIGITS = 8
_PLAIN_NUMBER = re.compile(rf"^-?(0|[1-9]\d{{0,{ID_DIGITS - 2}}})(\.\d+)?$")


def extra_value(v: Any) -> Any:
    """An extra column's value, kept as close to the cell as JSON allows."""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        v = int(v)
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 10 ** (ID_DIGITS - 1):
        return str(v)
    if isinstance(v, (datetime, date, time, str)):
        return text_of(v)
    return v


def infer_numbers(rows: list[RowData]) -> None:
    """Text sources (CSV): an extra column whose every value is a plain number is numeric.

    Leading zeros, 8+ digit whole numbers and anything else keep the column text
    (sqlite-utils' rule: all values or none).
    """
    columns: dict[str, bool] = {}
    for r in rows:
        for k, v in r.extra.items():
            ok = isinstance(v, str) and bool(_PLAIN_NUMBER.match(v))
            columns[k] = columns.get(k, True) and ok
    numeric = {k for k, ok in columns.items() if ok}
    for r in rows:
        for k in numeric & r.extra.keys():
            text = r.extra[k]
            r.extra[k] = float(text) if "." in text else int(text)


@dataclass
class RowData:
    row: int
    fields: dict[str, Any]  # canonical key -> value (stage/value_level as keys)
    extra: dict[str, Any]
    contact_date: date | None = None
    warnings: list[str] = field(default_factory=list)
    # vocabulary values kam does not know: (field, column, value); kept in extra
    unknown: list[tuple[str, str, str]] = field(default_factory=list)
    # vocabulary values read by an alias: (field, column, value, key), for the report
    mapped: list[tuple[str, str, str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # field -> the column it came from


class RowError(Exception):
    pass


def continues(r: RowData) -> bool:
    """Whether a row is a further contact of the customer above it: a contact's name (and
    perhaps a phone or a title) but neither a code nor a customer name, as a bank's name
    filled in only on its first contact's row."""
    f = r.fields
    return not f.get("code") and not f.get("name") and bool(f.get("contact"))


def add_contact(above: RowData, r: RowData) -> str:
    """Join continuation row r to the row above as one more contact; whatever else r
    holds is kept in the row above's extra as "HEADER (row N)". The contact's name."""
    f = r.fields
    line = contacts_text([Contact(f["contact"], "other", f.get("title", ""),
                                  f.get("contact_info", ""))])
    have = above.fields.get("contacts")
    above.fields["contacts"] = f"{have}\n{line}" if have else line
    for key, value in f.items():
        if key not in ("contact", "title", "contact_info"):
            above.extra[kept.replaced(r.headers.get(key, HEADERS.get(key, key)), r.row)] = \
                value if not isinstance(value, tuple) else TAG_SEP.join(value)
    for header, value in r.extra.items():
        above.extra[kept.replaced(header, r.row)] = value
    above.warnings.extend(r.warnings)
    return str(f["contact"])


def is_footer(values: tuple[Any, ...]) -> bool:
    """Whether the row's first filled cell says 合计, total, ...: a footer."""
    for v in values:
        if v is not None and (text := v.strip() if type(v) is str else text_of(v)):
            return bool(FOOTER.match(text.replace(" ", "")))
    return False


def noise(values: tuple[Any, ...], layout: Layout) -> str | None:
    """Why a row is not a record, or None: a row holding only its 序号 number, or a lone
    title or note ("填写说明：…") outside the name and code columns."""
    filled = [(i, v) for i, v in enumerate(values)  # text_of(v) non-empty; str inline
              if v is not None and (v.strip() if type(v) is str else text_of(v))]
    if not filled:
        return "empty"
    keys = layout.keys
    if all(keys.get(i) == SEQ and text_of(v).replace(".", "").isdigit() for i, v in filled):
        return "numbered"
    if len(filled) == 1 and keys.get(filled[0][0]) not in ("name", "code", PERSON):
        return "note"
    return None


def convert_row(n: int, values: tuple[Any, ...], layout: Layout, settings: Settings,
                epoch1904: bool = False) -> RowData:
    """One data row as fields and extras; raises RowError naming the column.

    Nothing is dropped: values past the last header go to extra 列N; a vocabulary value
    kam does not know stays in extra (and is reported); a person's name is the name
    when the row has no company name, else its contact.
    """
    fields: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    out = RowData(n, fields, extra)
    person: list[tuple[str, str]] = []
    width = len(values)  # without its trailing empty cells: the columns past it are empty
    for col in layout.columns:  # in the order of the sheet
        if col.index >= width:
            break
        v = values[col.index]
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        key = col.key
        if key == SEQ or key == DERIVED:
            continue
        text = _checked_text(v, col.header, out)
        if key is None:
            extra[col.header] = text if isinstance(v, float) and abs(v) >= 1e15 else (
                extra_value(v))
        elif key == PERSON:
            person.append((col.header, text))
        else:
            _set_field(out, key, col.header, v, text, settings, epoch1904)
    covered = layout.covered
    for i, v in enumerate(values):  # cells under no header (a ragged row, a blank header)
        if i not in covered and v is not None and text_of(v):
            extra[f"列{i + 1}"] = extra_value(_checked_text(v, f"列{i + 1}", out)
                                             if isinstance(v, str) else v)
    for header, text in person:
        if "name" not in fields:
            fields["name"] = text
            out.headers["name"] = header
        elif "contact" not in fields:
            fields["contact"] = text
            out.headers["contact"] = header
        else:
            extra[header] = text
    return out


def _checked_text(v: Any, header: str, out: RowData) -> str:
    if isinstance(v, str) and len(v) > MAX_CELL:
        raise RowError(t("{header}: {count:,} characters, more than a spreadsheet cell holds "
                         "({most:,}); the row was not imported", header=header, count=len(v),
                         most=MAX_CELL))
    if isinstance(v, float) and abs(v) >= 1e15:
        text = format(v, ".0f")
        out.warnings.append(t("{header} {number} has more digits than Excel keeps (15); "
                              "check the number", header=header, number=text))
        return text
    return text_of(v)


def _set_field(out: RowData, key: str, header: str, v: Any, text: str, settings: Settings,
               epoch1904: bool) -> None:
    fields = out.fields
    if key == "last_contact" or key == "next_follow_up" or key.startswith("date."):
        try:
            when = coerce_date(v, settings.slash_order, epoch1904)
        except ValueError as e:  # kept as written, never the reason a customer is left out
            out.extra[kept.raw(header)] = text
            out.warnings.append(t("{header}: {problem}; kept as text in {column}",
                                  header=header, problem=e, column=kept.raw(header)))
            return
        if key == "last_contact":
            out.contact_date = when
        if key.startswith("date."):
            fields.setdefault("dates", {})[settings.date_name(key[5:])] = when.isoformat()
        else:
            fields[key] = when.isoformat()
    elif key in ("stage", "value_level"):
        vocab = settings.vocab[key]
        found = vocab.lookup(text)
        if found is None:  # kept, never dropped: the row comes in, the value is reported
            out.extra[kept.raw(header)] = text
            out.unknown.append((key, header, text))
            return
        if text not in (found, vocab.label(found)):
            out.mapped.append((key, header, text, found))
        fields[key] = found
    elif key == "tags":
        fields[key] = tuple(split_tags(text))
    elif key == "code":
        try:
            fields[key] = check_code(text)
        except BadInput as e:
            raise RowError(f"{header}: {e}") from None
    elif key in MULTI_KEYS and key in fields:
        fields[key] = f"{fields[key]}{JOIN}{text}"
    else:
        fields[key] = text
    out.headers.setdefault(key, header)


TAG_SEP = "、"
