"""kam contact: a customer's contacts, the decision chain."""

from typing import Annotated

import typer

from kam.commands._common import App, CodeArg, Opt, context
from kam.i18n import N_, t

app = App(help=N_("A customer's contacts: decision maker, influencer, user, purchaser, finance, "
                  "technical, ..."), no_args_is_help=True)
NameArg = Annotated[str, typer.Argument(help=N_("The contact's name."), metavar=N_("NAME"))]
RoleOpt = Annotated[Opt, typer.Option("--role", help=N_(
    "decision_maker, influencer, user, purchaser, finance, technical (or their Chinese "
    "names), or any other role."), metavar=N_("ROLE"))]
TitleOpt = Annotated[Opt, typer.Option("--title", help=N_("The contact's position."))]
InfoOpt = Annotated[Opt, typer.Option("--info", help=N_("Phone and/or email."))]


def _done(c: object, what: str) -> None:
    from kam.render import say

    say(t("{what}: {code} now has {count} other contact(s)", what=what,
          code=getattr(c, "code", ""), count=len(getattr(c, "contacts", ()))))


@app.command("add", help=N_("Add a contact."),
             epilog=N_("kam contact add KH2024001 \"Wang Wu\" --role decision_maker "
                       "--title \"General manager\""))
def add(ctx: typer.Context, code: CodeArg, name: NameArg, role: RoleOpt = None,
        title: TitleOpt = None, info: InfoOpt = None) -> None:
    from kam.ops.contacts import add as run

    _done(run(context(ctx), code, name, role or "", title or "", info or ""),
          t("Added {name}", name=name))


@app.command("edit", help=N_("Change a contact's role, title, phone or name."),
             epilog=N_("kam contact edit KH2024001 \"Wang Wu\" --title Chairman"))
def edit(ctx: typer.Context, code: CodeArg, name: NameArg, role: RoleOpt = None,
         title: TitleOpt = None, info: InfoOpt = None,
         rename: Annotated[Opt, typer.Option("--name", help=N_("A new name."),
                                             metavar=N_("NAME"))] = None) -> None:
    from kam.ops.contacts import edit as run

    _done(run(context(ctx), code, name, role, title, info, rename),
          t("Changed {name}", name=name))


@app.command("rm", help=N_("Remove a contact."),
             epilog=N_("kam contact rm KH2024001 \"Wang Wu\""))
def rm(ctx: typer.Context, code: CodeArg, name: NameArg) -> None:
    from kam.ops.contacts import remove as run

    _done(run(context(ctx), code, name), t("Removed {name}", name=name))


@app.command("main", help=N_("Make a contact the main one; the main one so far stays as a "
                             "contact."),
             epilog=N_("kam contact main KH2024001 \"Wang Wu\""))
def main(ctx: typer.Context, code: CodeArg, name: NameArg) -> None:
    from kam.ops.contacts import make_main as run

    _done(run(context(ctx), code, name), t("{name} is the main contact", name=name))
