"""Masking of contact details for data that leaves the owner (PIPL). Pure functions."""

from __future__ import annotations

import re
from typing import Any

from kam.text import pattern

# Emails, internationalised ones (用户@例子.中国) too, and as people write them to
# dodge spam robots: zhou[at]example.com, zhou(at)example(dot)com, zhou＠example.com,
# zhou#example.com, zhou at example dot com.
_AT = r"(?:@|＠|#|\s*[\[(（{<]\s*(?:at|AT|At|艾特)\s*[\])）}>]\s*|\s+(?:at|AT)\s+)"
_DOT = r"(?:\.|。|\s*[\[(（{<]\s*(?:dot|DOT|点)\s*[\])）}>]\s*|\s+(?:dot|DOT)\s+)"
_EMAIL = pattern(rf"([\w.%+-])[\w.%+-]*({_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}\w{{2,}})")
# Runs of 7 or more digits, allowing the spaces, dashes and dots people type in phones.
_PHONE = pattern(r"\+?\d[\d .-]{5,}\d")
# Extra columns whose values identify a person: masked whole, like a WeChat id.
_CONTACTISH = pattern(r"电话|手机|邮箱|微信|联系方式|qq|号码|地址|住址|身份证|phone|mobile|"
                         r"tel|e-?mail|wechat|address|id card", re.I)


def _mask_phone(m: re.Match[str]) -> str:
    text = m.group(0)
    digits = [ch for ch in text if ch.isdigit()]
    if len(digits) < 7:
        return text
    keep_head, keep_tail = 3, 4 if len(digits) >= 11 else 2
    hidden = len(digits) - keep_head - keep_tail
    return "".join(digits[:keep_head] + ["*"] * hidden + digits[-keep_tail:])


def mask(text: str) -> str:
    """139****1234 for phone numbers, u***@example.com for emails."""
    if not text:
        return text
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***{m.group(2)}", text)
    return _PHONE.sub(_mask_phone, text)


def contact_tokens(text: str, as_typed: bool = False) -> set[str]:
    """Phone numbers (digits only; a Chinese mobile without +86 or 0086, as a phone
    shows it) and emails (lower case) in a contact field. as_typed: the digits as they
    stand, +86 and all (the form erasures before that rule were kept in)."""
    tokens = {m.group(0).lower() for m in re.finditer(r"[^\s,;，；、]+@[^\s,;，；、]+", text or "")}
    for m in _PHONE.finditer(text or ""):
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) >= 7:
            tokens.add(digits if as_typed else _national(digits))
    return tokens


def _national(digits: str) -> str:
    for prefix in ("0086", "86"):
        rest = digits[len(prefix):]
        if digits.startswith(prefix) and len(rest) == 11 and rest[0] == "1":
            return rest
    return digits


def identity_keys(name: str, contact_info: str) -> set[str]:
    """What identifies a person across sheets without their code: the name (without
    spaces, any case: 张 三 is 张三) with each phone number or email of theirs. Kept only as salted
    hashes once a customer is erased (store.db), so that a sheet without codes does not
    bring them back under a new one."""
    folded = "".join((name or "").split()).casefold()
    tokens = contact_tokens(contact_info) | contact_tokens(contact_info, as_typed=True)
    return {f"{folded}\x1f{token}" for token in tokens} if folded else set()


PERSONAL_DATES = ("birthday",)  # named dates that are a person's, not the business's
MASKED_DATE = "****-**-**"


def mask_date(name: str, value: Any) -> Any:
    """A named date as it may leave: a person's (a birthday) hidden, the others as they are."""
    return MASKED_DATE if name in PERSONAL_DATES and value else value


def mask_id(text: str) -> str:
    """An identifier such as a WeChat id: first character kept (w***)."""
    masked = mask(text)
    if masked != text or not text:
        return masked
    return text[:1] + "***"


def mask_extra(column: str, value: Any) -> Any:
    """An extra column's value as it may leave: contact-like columns masked whole, phone-
    and email-shaped text masked in any other."""
    if _CONTACTISH.search(column):
        return mask_id(str(value))
    return mask_value(value)


def mask_value(value: Any) -> Any:
    """Any value as it may leave: phone numbers and emails inside text masked, in lists
    and objects too; numbers of phone length (13912345678 stored as a number) as well."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int) and abs(value) >= 1_000_000:
        return mask(str(value))
    if isinstance(value, (list, tuple)):
        return [mask_value(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_extra(k, v) if isinstance(k, str) else mask_value(v)
                for k, v in value.items()}
    return value


_PLAIN_EMAIL = re.compile(r"[^\s,;，；、/|<>]+@[^\s,;，；、/|<>]+\.[^\s,;，；、/|<>]+")


def split_contact(text: str) -> tuple[list[str], list[str], str]:
    """A contact field as (phone numbers as written, emails, what is left), for an
    address book: "139 5678 1234 / a@b.cn / 微信 abc" is (["139 5678 1234"], ["a@b.cn"],
    "微信 abc")."""
    emails = _PLAIN_EMAIL.findall(text or "")
    rest = _PLAIN_EMAIL.sub(" ", text or "")
    phones = [m.group(0).strip() for m in _PHONE.finditer(rest)
              if len(re.sub(r"\D", "", m.group(0))) >= 7]
    rest = _PHONE.sub(" ", rest)
    return phones, emails, re.sub(r"^[\s/,;，；、|]+|[\s/,;，；、|]+$", "", rest)
