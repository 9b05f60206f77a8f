"""kam.yaml: the commented defaults, loading and validation (the only module importing yaml).

Errors name the file and the line of the offending key, because a salesperson
editing YAML by hand needs to know where to look.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

from kam.errors import ConfigError
from kam.i18n import t
from kam.schema import TEMPLATE_KEYS, is_import_key
from kam.settings import (
    DERIVED,
    UNITS,
    DateRule,
    Indicator,
    RiskSettings,
    Settings,
    Term,
    Tier,
    Urgency,
    Vocabulary,
    date_names,
    vocabulary,
)

# The commented kam.yaml that `kam init` writes, and the built-in defaults.
DEFAULT_YAML = (Path(__file__).with_name("default.yaml")).read_text(encoding="utf-8")

# --- loading -----------------------------------------------------------------

# Sections whose value the user's file replaces whole rather than merges into.
_REPLACE = {
    ("vocabulary", "stage"), ("vocabulary", "value_level"), ("scoring", "indicators"),
    ("scoring", "tiers"), ("followup", "cadence", "tier"), ("followup", "cadence", "stage"),
    ("import", "aliases"),
}


def _yaml() -> Any:
    import yaml

    return yaml


def _loader() -> Any:
    yaml = _yaml()
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


MAX_BYTES = 256 * 1024  # far more than any settings file; a bigger one is refused
MAX_DEPTH = 20  # kam.yaml nests 4 levels
MAX_NUMBER = 1e15  # any figure in kam.yaml: far above a yearly purchase in fen


def _screen(text: str) -> None:
    """Refuse what a settings file never needs and an attack does: anchors and aliases
    (a few hundred bytes of them expand to gigabytes) and deep nesting. Raises YAMLError
    (with the line) or ValueError."""
    yaml = _yaml()
    depth = 0
    for event in yaml.parse(text, Loader=_loader()):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise ValueError((event.start_mark.line + 1, t(
                "anchors and aliases (&name, *name) are not supported; write the values out")))
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise ValueError((event.start_mark.line + 1, t(
                    "nested deeper than {depth} levels", depth=MAX_DEPTH)))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


@functools.lru_cache(maxsize=2)  # one run asks twice: for the language, then the settings
def _parse(text: str, where: str) -> tuple[Any, dict[tuple[str, ...], int]]:
    """Parse YAML text; return the data and the line of every mapping key. The caller
    must not change what it gets."""
    yaml = _yaml()
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ConfigError(t("{where}: larger than {value} KiB; not a kam settings file",
                            where=where, value=MAX_BYTES // 1024))
    try:
        _screen(text)
    except ValueError as e:
        line, problem = e.args[0]
        raise ConfigError(t("{where}: line {line}: {problem}",
                            where=where, line=line, problem=problem)) from None
    except yaml.YAMLError:
        pass  # reported with its line by the full parse below
    try:
        data = yaml.load(text, Loader=_loader())
        node = yaml.compose(text, Loader=_loader())
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        if mark is not None:
            where = t("{where}: line {line}", where=where, line=mark.line + 1)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ConfigError(t("{where}: invalid YAML: {problem}", where=where,
                            problem=problem)) from None
    lines: dict[tuple[str, ...], int] = {}

    def walk(n: Any, path: tuple[str, ...]) -> None:
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                p = (*path, str(k.value))
                lines[p] = k.start_mark.line + 1
                walk(v, p)
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                p = (*path, str(i))
                lines[p] = v.start_mark.line + 1
                walk(v, p)

    if node is not None:
        walk(node, ())
    return data, lines


_DEFAULTS: dict[str, Any] | None = None


def defaults() -> dict[str, Any]:
    """The default settings as plain data (parsed once from DEFAULT_YAML)."""
    global _DEFAULTS
    if _DEFAULTS is None:
        # kam's own text: neither screened nor walked for line numbers (one C parse)
        _DEFAULTS = _yaml().load(DEFAULT_YAML, Loader=_loader())
    return _DEFAULTS


class _Checker:
    def __init__(self, where: str, lines: dict[tuple[str, ...], int]):
        self.where, self.lines = where, lines

    def fail(self, path: tuple[str, ...], msg: str) -> ConfigError:
        line = None
        for i in range(len(path), 0, -1):
            line = self.lines.get(path[:i])
            if line:
                break
        loc = t("{where}: line {line}", where=self.where, line=line) if line else self.where
        return ConfigError(t("{loc}: {value}: {msg}", loc=loc, value='.'.join(path), msg=msg))

    def number(self, v: Any, path: tuple[str, ...], minimum: float | None = None) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.fail(path, t("must be a number, not {v!r}", v=v))
        if isinstance(v, float) and not math.isfinite(v):
            raise self.fail(path, t("must be a number, not {v!r}", v=v))
        if abs(v) > MAX_NUMBER:  # a 400-digit integer is no float at all
            raise self.fail(path, t("must be a number between -{most:g} and {most:g}",
                                    most=MAX_NUMBER))
        if minimum is not None and v < minimum:
            raise self.fail(path, t("must be at least {minimum}", minimum=minimum))
        return float(v)

    def integer(self, v: Any, path: tuple[str, ...]) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 36500:
            raise self.fail(path, t("must be a whole number of days, not {v!r} (0 to 36500)", v=v))
        return v

    def boolean(self, v: Any, path: tuple[str, ...]) -> bool:
        if not isinstance(v, bool):
            raise self.fail(path, t("must be true or false, not {v!r}", v=v))
        return v

    def mapping(self, v: Any, path: tuple[str, ...], allowed: tuple[str, ...] | None = None
                ) -> dict[str, Any]:
        if not isinstance(v, dict):
            raise self.fail(path, t("must be a mapping (key: value)"))
        if allowed is not None:
            for k in v:
                if str(k) not in allowed:
                    raise self.fail((*path, str(k)), t("unknown key (known: {value})",
                                                       value=', '.join(allowed)))
        return {str(k): x for k, x in v.items()}


def _merge(base: dict[str, Any], over: dict[str, Any], path: tuple[str, ...] = ()
           ) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        p = (*path, str(k))
        if isinstance(v, dict) and isinstance(out.get(k), dict) and p not in _REPLACE:
            out[k] = _merge(out[k], v, p)
        else:
            out[k] = v
    return out


def build(user: Any, where: str = "kam.yaml", lines: dict[tuple[str, ...], int] | None = None,
          path: Path | None = None) -> Settings:
    """Validate user settings merged onto the defaults and build Settings."""
    c = _Checker(where, lines or {})
    if user is None:
        user = {}
    top = c.mapping(user, (), ("language", "vocabulary", "scoring", "followup", "risk",
                               "import", "privacy", "backups", "lost_reasons"))
    if "language" in top:
        _language(c, top["language"])
    d = _merge(defaults(), top)

    vocab: dict[str, Vocabulary] = {}
    voc = c.mapping(d["vocabulary"], ("vocabulary",), ("stage", "value_level"))
    for fname, entries in voc.items():
        terms = []
        for key, spec in c.mapping(entries, ("vocabulary", fname)).items():
            p = ("vocabulary", fname, key)
            if isinstance(spec, str):
                spec = {"label": spec}
            spec = c.mapping(spec, p, ("label", "aliases", "en"))
            term_aliases = spec.get("aliases") or []
            if not isinstance(term_aliases, list):
                raise c.fail((*p, "aliases"), t("must be a list"))
            terms.append(Term(key, str(spec.get("label", key)),
                              tuple(str(a) for a in term_aliases), str(spec.get("en") or "")))
        if not terms:
            raise c.fail(("vocabulary", fname), t("needs at least one entry"))
        vocab[fname] = vocabulary(fname, tuple(terms))

    sc = c.mapping(d["scoring"], ("scoring",), ("indicators", "tiers", "min_known"))
    min_known = c.number(sc.get("min_known", 0.5), ("scoring", "min_known"), 0)
    if min_known > 1:
        raise c.fail(("scoring", "min_known"), t("must be between 0 and 1"))
    indicators = tuple(
        _indicator(c, name, spec)
        for name, spec in c.mapping(sc["indicators"], ("scoring", "indicators")).items()
    )
    tiers = _tiers(c, sc["tiers"])

    fu = c.mapping(d["followup"], ("followup",), ("cadence", "upcoming_days", "dates",
                                                   "urgency"))
    cad = c.mapping(fu["cadence"], ("followup", "cadence"), ("default", "tier", "stage"))
    cp = ("followup", "cadence")
    cadence_tier = {str(k): c.integer(v, (*cp, "tier", str(k)))
                    for k, v in c.mapping(cad["tier"], (*cp, "tier")).items()}
    cadence_stage = {}
    for k, v in c.mapping(cad["stage"], (*cp, "stage")).items():
        stage_key = vocab["stage"].lookup(k)
        if stage_key is None:
            raise c.fail((*cp, "stage", k),
                         t("unknown stage (known: {value})",
                           value=', '.join(vocab['stage'].keys())))
        cadence_stage[stage_key] = c.integer(v, (*cp, "stage", k))
    rules = {}
    for name, spec in c.mapping(fu["dates"], ("followup", "dates")).items():
        p = ("followup", "dates", name)
        spec = c.mapping(spec, p, ("yearly", "lead", "grace", "aliases"))
        names = spec.get("aliases") or []
        if not isinstance(names, list):
            raise c.fail((*p, "aliases"), t("must be a list"))
        rules[name] = DateRule(c.boolean(spec.get("yearly", False), (*p, "yearly")),
                               c.integer(spec.get("lead", 7), (*p, "lead")),
                               c.integer(spec.get("grace", 7), (*p, "grace")),
                               tuple(str(n) for n in names))
    up = ("followup", "urgency")
    ur = c.mapping(fu["urgency"], up, ("late_day", "late_cap", "score", "tier", "stage", "kind"))
    urgency = Urgency(
        late_day=c.number(ur.get("late_day", 1), (*up, "late_day")),
        late_cap=c.integer(ur.get("late_cap", 30), (*up, "late_cap")),
        score=c.number(ur.get("score", 0.1), (*up, "score")),
        tier={str(k): c.number(v, (*up, "tier", str(k)))
              for k, v in c.mapping(ur.get("tier") or {}, (*up, "tier")).items()},
        stage={(vocab["stage"].lookup(str(k)) or str(k)): c.number(v, (*up, "stage", str(k)))
               for k, v in c.mapping(ur.get("stage") or {}, (*up, "stage")).items()},
        kind={str(k): c.number(v, (*up, "kind", str(k)))
              for k, v in c.mapping(ur.get("kind") or {}, (*up, "kind")).items()})

    rk = c.mapping(d["risk"], ("risk",), ("threshold", "churn_days", "dormant_days",
                                         "orders_drop", "complaints", "weights"))
    weights = c.mapping(rk["weights"], ("risk", "weights"),
                        ("contact", "orders", "complaints", "overdue"))
    risk = RiskSettings(
        threshold=c.number(rk["threshold"], ("risk", "threshold"), 0),
        churn_days=c.integer(rk["churn_days"], ("risk", "churn_days")),
        dormant_days=c.integer(rk["dormant_days"], ("risk", "dormant_days")),
        weights={k: c.number(v, ("risk", "weights", k), 0) for k, v in weights.items()},
        orders_drop=c.number(rk.get("orders_drop", 0.5), ("risk", "orders_drop"), 0),
        complaints=c.integer(rk.get("complaints", 2), ("risk", "complaints")),
    )
    if risk.dormant_days <= risk.churn_days:
        raise c.fail(("risk", "dormant_days"), t("must be more than churn_days"))

    im = c.mapping(d["import"], ("import",), ("slash_order", "aliases"))
    slash = str(im["slash_order"]).upper()
    if slash not in ("MDY", "DMY"):
        raise c.fail(("import", "slash_order"), t("must be MDY or DMY"))
    header_aliases: dict[str, tuple[str, ...]] = {}
    for col, names in c.mapping(im["aliases"] or {}, ("import", "aliases")).items():
        if not is_import_key(col):
            raise c.fail(("import", "aliases", col), t("unknown column key (known: {value}, "
                                                       "next_follow_up, date.NAME)",
                                                       value=', '.join(TEMPLATE_KEYS)))
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list):
            raise c.fail(("import", "aliases", col), t("must be a list of headers"))
        header_aliases[col] = tuple(str(n) for n in names)

    pv = c.mapping(d["privacy"], ("privacy",), ("mask_by_default",))
    bk = c.mapping(d["backups"], ("backups",), ("keep", "daily"))
    return Settings(
        vocab=vocab, indicators=indicators, tiers=tiers,
        cadence_default=c.integer(cad["default"], (*cp, "default")),
        cadence_tier=cadence_tier, cadence_stage=cadence_stage,
        upcoming_days=c.integer(fu["upcoming_days"], ("followup", "upcoming_days")),
        date_rules=rules, risk=risk, slash_order=slash, import_aliases=header_aliases,
        mask_by_default=c.boolean(pv["mask_by_default"], ("privacy", "mask_by_default")),
        date_names=date_names(rules),
        min_known=min_known, urgency=urgency, lost_reasons=_lost_reasons(c, d["lost_reasons"]),
        path=path,
        backups=(c.integer(bk["keep"], ("backups", "keep")),
                 c.integer(bk["daily"], ("backups", "daily"))),
    )


def _indicator(c: _Checker, name: str, spec: Any) -> Indicator:
    p = ("scoring", "indicators", name)
    spec = c.mapping(spec, p, ("weight", "source", "unit", "floor", "cap", "steps", "table"))
    if "weight" not in spec:
        raise c.fail(p, t("needs a weight"))
    weight = c.number(spec["weight"], (*p, "weight"))
    raw_source = spec.get("source")
    if raw_source is None:
        raw_source = f"derived.{name}" if name in DERIVED else f"extra.{name}"
    sources = []
    for i, source in enumerate(raw_source if isinstance(raw_source, list) else [raw_source]):
        source = str(source)
        if source in DERIVED:
            source = f"derived.{source}"
        kind, _, sub = source.partition(".")
        if kind not in ("derived", "field", "extra") or not sub or (
                kind == "derived" and sub not in DERIVED) or (
                kind == "field" and sub not in TEMPLATE_KEYS):
            where = (*p, "source") if not isinstance(raw_source, list) else (*p, "source", str(i))
            raise c.fail(where, t("unknown source {source!r} (use field.<key>, extra.<column> or "
                                  "one of: {value})",
                                  source=source, value=', '.join(DERIVED)))
        sources.append(source)
    sub = sources[0].partition(".")[2]
    unit = str(spec.get("unit", "ratio" if sub == "repurchase_rate" else "number"))
    if unit not in UNITS:
        raise c.fail((*p, "unit"), t("unknown unit {unit!r} (use {value})",
                                     unit=unit, value=', '.join(UNITS)))
    forms = [k for k in ("steps", "table") if k in spec] + (
        ["floor/cap"] if "floor" in spec or "cap" in spec else [])
    if len(forms) != 1:
        raise c.fail(p, t("needs exactly one normalisation: floor and cap, steps, or table"))
    if forms[0] == "floor/cap":
        floor = c.number(spec.get("floor", 0), (*p, "floor"))
        if "cap" not in spec:
            raise c.fail(p, t("needs a cap with its floor"))
        cap = c.number(spec["cap"], (*p, "cap"))
        if cap == floor:
            raise c.fail((*p, "cap"), t("must differ from floor"))
        return Indicator(name, tuple(sources), weight, unit, floor=floor, cap=cap)
    if forms[0] == "steps":
        steps = spec["steps"]
        if not isinstance(steps, list) or not steps:
            raise c.fail((*p, "steps"), t("must be a list of [at least, share] pairs"))
        out = []
        for i, s in enumerate(steps):
            if not (isinstance(s, list) and len(s) == 2):
                raise c.fail((*p, "steps", str(i)), t("must be a pair [at least, share]"))
            out.append((c.number(s[0], (*p, "steps", str(i))),
                        c.number(s[1], (*p, "steps", str(i)))))
        out.sort(reverse=True)
        return Indicator(name, tuple(sources), weight, unit, steps=tuple(out))
    table = {str(k): c.number(v, (*p, "table", str(k)))
             for k, v in c.mapping(spec["table"], (*p, "table")).items()}
    return Indicator(name, tuple(sources), weight, unit, table=table)


def _lost_reasons(c: _Checker, raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(r, str) for r in raw):
        raise c.fail(("lost_reasons",),
                     t("must be a list of reasons, e.g. [price, service, other]"))
    return tuple(raw)


def _tiers(c: _Checker, raw: Any) -> tuple[Tier, ...]:
    if not isinstance(raw, list) or not raw:
        raise c.fail(("scoring", "tiers"), t("must be a list of tiers, each with a name, a "
                                             "label and a min"))
    tiers = []
    for i, spec in enumerate(raw):
        p = ("scoring", "tiers", str(i))
        spec = c.mapping(spec, p, ("name", "label", "min", "en"))
        if "name" not in spec or "min" not in spec:
            raise c.fail(p, t("needs a name and a min"))
        tiers.append(Tier(str(spec["name"]), str(spec.get("label", spec["name"])),
                          c.number(spec["min"], (*p, "min")), str(spec.get("en") or "")))
    for i in range(1, len(tiers)):
        if tiers[i].min >= tiers[i - 1].min:
            raise c.fail(("scoring", "tiers", str(i), "min"),
                         t("tiers must go from the highest min to the lowest"))
    return tuple(tiers)


def _language(c: _Checker, value: Any) -> str:
    from kam.i18n import languages, normalise

    found = normalise(value) if isinstance(value, str) else None
    if found is None:
        raise c.fail(("language",), t("{value!r}: not a language kam speaks ({value2})",
                                      value=value, value2=', '.join(languages())))
    return found


def load(path: Path, must_exist: bool = False) -> Settings:
    """Load kam.yaml at path; a missing file gives the defaults."""
    text = _read(path, must_exist)
    if text is None:
        return build(None, str(path))
    data, lines = _parse(text, str(path))
    return build(data, str(path), lines, path)


def configured_language(path: Path) -> str | None:
    """`language:` of the kam.yaml at path, as PyYAML parses it, or None (no file, no
    such key, or a file load() will refuse, in the language chosen without it). Read
    before the command line is parsed, for help and usage errors; the parse is kept for
    load(), so the file is parsed once a run."""
    try:
        text = _read(path, False)
        data = _parse(text, str(path))[0] if text is not None else None
    except ConfigError:
        return None
    found = data.get("language") if isinstance(data, dict) else None
    return found if isinstance(found, str) else None


def _read(path: Path, must_exist: bool) -> str | None:
    """The text of a settings file; None when there is none and none is required. A
    FIFO or a device is refused, never waited on (store.files.open_regular)."""
    from kam.store.files import NotRegular, open_regular

    try:
        with open_regular(path) as f:
            return f.read().decode("utf-8")
    except NotRegular:
        raise ConfigError(t("{path}: not a regular file", path=path)) from None
    except (FileNotFoundError, NotADirectoryError):
        if must_exist:
            raise ConfigError(t("{path}: no such settings file", path=path)) from None
        return None
    except UnicodeDecodeError:
        raise ConfigError(t("{path}: not UTF-8 text; save it as UTF-8", path=path)) from None
    except OSError as e:
        raise ConfigError(t("{path}: cannot read: {strerror}",
                            path=path, strerror=e.strerror)) from None
