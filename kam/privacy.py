"""Masking of contact details for data that leaves the owner (PIPL). Pure functions."""

from __future__ import annotations

import re
from typing import Any

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# Runs of 7 or more digits, allowing the spaces and dashes people type in phones.
_PHONE = re.compile(r"\+?\d[\d -]{5,}\d")
# Extra columns whose values are contact details, masked like contact_info.
_CONTACTISH = re.compile(r"电话|手机|邮箱|微信|联系方式|phone|mobile|tel|e-?mail|wechat", re.I)


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


def contact_tokens(text: str) -> set[str]:
    """Phone numbers (digits only) and emails (lower case) in a contact field."""
    tokens = {m.group(0).lower() for m in re.finditer(r"[^\s,;，；、]+@[^\s,;，；、]+", text or "")}
    for m in _PHONE.finditer(text or ""):
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) >= 7:
            tokens.add(digits)
    return tokens


def mask_id(text: str) -> str:
    """An identifier such as a WeChat id: first character kept (w***)."""
    masked = mask(text)
    if masked != text or not text:
        return masked
    return text[:1] + "***"


def mask_extra(column: str, value: Any) -> Any:
    """An extra column's value as it may leave: contact-like columns masked, others as is."""
    return mask_id(str(value)) if _CONTACTISH.search(column) else value
