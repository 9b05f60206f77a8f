"""kam contact: a customer's contacts, the decision chain."""

from __future__ import annotations

from typing import Annotated

import typer

from kam.commands._common import CodeArg, Opt, context

app = typer.Typer(help="A customer's contacts (决策人, 影响人, 使用人, 采购, 财务, 技术, ...).",
                  no_args_is_help=True)
NameArg = Annotated[str, typer.Argument(help="The contact's name.")]
RoleOpt = Annotated[Opt, typer.Option("--role", help="决策人, 影响人, 使用人, 采购, 财务, 技术 "
                                      "(or decision_maker, ...), or any other role.")]
TitleOpt = Annotated[Opt, typer.Option("--title", help="职务.")]
InfoOpt = Annotated[Opt, typer.Option("--info", help="Phone and/or email.")]


def _done(c: object, what: str) -> None:
    from kam.render import say

    say(f"{what}: {getattr(c, 'code', '')} now has {len(getattr(c, 'contacts', ()))} other "
        "contact(s)")


@app.command("add")
def add(ctx: typer.Context, code: CodeArg, name: NameArg, role: RoleOpt = None,
        title: TitleOpt = None, info: InfoOpt = None) -> None:
    """Add a contact. Example: kam contact add KH2024001 王五 --role 决策人 --title 总经理"""
    from kam.ops.contacts import add as run

    _done(run(context(ctx), code, name, role or "", title or "", info or ""), f"Added {name}")


@app.command("edit")
def edit(ctx: typer.Context, code: CodeArg, name: NameArg, role: RoleOpt = None,
         title: TitleOpt = None, info: InfoOpt = None,
         rename: Annotated[Opt, typer.Option("--name", help="A new name.")] = None) -> None:
    """Change a contact's role, title, phone or name. Example: kam contact edit KH2024001
    王五 --title 董事长"""
    from kam.ops.contacts import edit as run

    _done(run(context(ctx), code, name, role, title, info, rename), f"Changed {name}")


@app.command("rm")
def rm(ctx: typer.Context, code: CodeArg, name: NameArg) -> None:
    """Remove a contact. Example: kam contact rm KH2024001 王五"""
    from kam.ops.contacts import remove as run

    _done(run(context(ctx), code, name), f"Removed {name}")


@app.command("main")
def main(ctx: typer.Context, code: CodeArg, name: NameArg) -> None:
    """Make a contact the main one (联系人); the main one so far stays as a contact.
    Example: kam contact main KH2024001 王五"""
    from kam.ops.contacts import make_main as run

    _done(run(context(ctx), code, name), f"{name} is the main contact")
