"""A customer's contacts: the decision chain (决策人, 影响人, 使用人, 采购, 财务, 技术, ...)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from kam.errors import BadInput
from kam.i18n import t
from kam.models import Customer
from kam.ops.context import Context
from kam.records import contact_role, main_contact, same_person
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


def roster(c: Customer) -> list[Contact]:
    """Everyone at the customer: the main contact (联系人, 职务, 联系方式) first, then
    the others. The main contact is a contact like the others: a role, a title, details."""
    main = main_contact(c)
    return [*([main] if main else []), *c.contacts]


def _with(c: Customer, people: list[Contact]) -> Customer:
    """The customer with this roster, its first the main contact."""
    if not people:
        return replace(c, contact="", title="", contact_info="", contact_role="", contacts=())
    main, *rest = people
    return replace(c, contact=main.name, title=main.title, contact_info=main.contact_info,
                   contact_role="" if main.role == "other" else main.role,
                   contacts=tuple(rest))


def _find(c: Customer, name: str) -> int:
    """The place of the contact of this name in the roster (0: the main one)."""
    people = roster(c)
    found = [i for i, p in enumerate(people) if p.name == name.strip()]
    if not found:
        names = ", ".join(p.name for p in people) or t("none yet")
        raise BadInput(t("{code} has no contact {name!r} (contacts: {names})",
                         code=c.code, name=name, names=names))
    return found[0]


def add(ctx: Context, code: str, name: str, role: str = "", title: str = "",
        info: str = "") -> Customer:
    """Another contact (the main one when there is none yet); the same person (name, and
    phone when both have one) is refused, the main contact included."""
    person = Contact(name.strip(), contact_role(role), title.strip(), info.strip())
    if not person.name:
        raise BadInput(t("the contact needs a name"))

    def change(c: Customer) -> Customer:
        if any(same_person(person, p) for p in roster(c)):
            raise BadInput(t("{name} is already a contact of {code}; change them with `kam "
                             "contact edit {code} {name}`",
                             name=person.name, code=c.code))
        return _with(c, [*roster(c), person])

    return _change(ctx, code, "add", change)


def edit(ctx: Context, code: str, name: str, role: str | None = None, title: str | None = None,
         info: str | None = None, new_name: str | None = None) -> Customer:
    """Change a contact, the main one included (its role, title, details, name)."""
    def change(c: Customer) -> Customer:
        i = _find(c, name)
        people = roster(c)
        p = people[i]
        people[i] = Contact(new_name.strip() if new_name else p.name,
                            contact_role(role) if role is not None else p.role,
                            title.strip() if title is not None else p.title,
                            info.strip() if info is not None else p.contact_info)
        return _with(c, people)

    return _change(ctx, code, "edit", change)


def remove(ctx: Context, code: str, name: str) -> Customer:
    """Remove a contact; removing the main one makes the next one main."""
    def change(c: Customer) -> Customer:
        i = _find(c, name)
        people = roster(c)
        del people[i]
        return _with(c, people)

    return _change(ctx, code, "remove", change)


def make_main(ctx: Context, code: str, name: str) -> Customer:
    """The contact becomes the main one (联系人, 职务, 联系方式), with its role; the main
    one so far stays a contact, with its own."""
    def change(c: Customer) -> Customer:
        i = _find(c, name)
        people = roster(c)
        return _with(c, [people[i], *people[:i], *people[i + 1:]])

    return _change(ctx, code, "main", change)
