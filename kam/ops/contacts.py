"""A customer's contacts: the decision chain (决策人, 影响人, 使用人, 采购, 财务, 技术, ...)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from kam.errors import BadInput
from kam.i18n import t
from kam.models import Customer
from kam.ops.context import Context
from kam.records import contact_role, same_person
from kam.schema import Contact


def _change(ctx: Context, code: str, what: str, change: Callable[[Customer], Customer]
            ) -> Customer:
    with ctx.writer() as store:
        c = store.get(code)
        new = change(c)
        if new == c:
            raise BadInput(t("{code}: nothing to change", code=c.code))
        new = replace(new, updated=ctx.stamp())
        store.put(new)
        store.label = f"contact {what} {c.code}"
        store.commit()
    return new


def _find(c: Customer, name: str) -> int:
    found = [i for i, p in enumerate(c.contacts) if p.name == name.strip()]
    if not found:
        names = ", ".join(p.name for p in c.contacts) or t("none yet")
        raise BadInput(t("{code} has no contact {name!r} (contacts: {names})",
                         code=c.code, name=name, names=names))
    return found[0]


def add(ctx: Context, code: str, name: str, role: str = "", title: str = "",
        info: str = "") -> Customer:
    """Another contact; the same person (name, and phone when both have one) is refused."""
    person = Contact(name.strip(), contact_role(role), title.strip(), info.strip())
    if not person.name:
        raise BadInput(t("the contact needs a name"))

    def change(c: Customer) -> Customer:
        if any(same_person(person, p) for p in c.contacts):
            raise BadInput(t("{name} is already a contact of {code}; change them with `kam "
                             "contact edit {code} {name}`",
                             name=person.name, code=c.code))
        return replace(c, contacts=(*c.contacts, person))

    return _change(ctx, code, "add", change)


def edit(ctx: Context, code: str, name: str, role: str | None = None, title: str | None = None,
         info: str | None = None, new_name: str | None = None) -> Customer:
    def change(c: Customer) -> Customer:
        i = _find(c, name)
        p = c.contacts[i]
        p = Contact(new_name.strip() if new_name else p.name,
                    contact_role(role) if role is not None else p.role,
                    title.strip() if title is not None else p.title,
                    info.strip() if info is not None else p.contact_info)
        return replace(c, contacts=(*c.contacts[:i], p, *c.contacts[i + 1:]))

    return _change(ctx, code, "edit", change)


def remove(ctx: Context, code: str, name: str) -> Customer:
    def change(c: Customer) -> Customer:
        i = _find(c, name)
        return replace(c, contacts=(*c.contacts[:i], *c.contacts[i + 1:]))

    return _change(ctx, code, "remove", change)


def make_main(ctx: Context, code: str, name: str) -> Customer:
    """The contact becomes the main one (联系人, 职务, 联系方式); the main one so far stays
    as another contact."""
    def change(c: Customer) -> Customer:
        i = _find(c, name)
        p = c.contacts[i]
        rest = [*c.contacts[:i], *c.contacts[i + 1:]]
        if c.contact:
            rest.insert(0, Contact(c.contact, "other", c.title, c.contact_info))
        return replace(c, contact=p.name, title=p.title, contact_info=p.contact_info,
                       contacts=tuple(rest))

    return _change(ctx, code, "main", change)
