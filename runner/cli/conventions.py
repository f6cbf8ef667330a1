"""What every command shares on the command line: ``-h`` as well as ``--help``, usage
lines that name arguments as users read them (``runexp validate [OPTIONS] FILE...``,
not typer's ``{files}...`` and ``<list[Path]>``), and the default command:
``runexp FILE`` is ``runexp run FILE``, and a misspelt command gets a "did you mean".
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperArgument, TyperCommand

from runner.errors import UsageError

if TYPE_CHECKING:
    from typer._click.core import Context
    from typer._click.formatting import HelpFormatter
    from typer.models import CommandFunctionType

#: Context settings of the app; every command's context inherits them.
CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}
#: What makes a first argument that names no command an experiment file all the same.
EXPERIMENT_SUFFIXES = (".yaml", ".yml")


def _argument_name(param: TyperArgument, *, usage: bool) -> str:
    """FILE, FILE... or RUN_DIR: the metavar, else the parameter's name in capitals;
    in the usage line in brackets where optional."""
    name = param.metavar or (param.name or "").upper()
    if param.nargs != 1 and not name.endswith("..."):
        name += "..."
    return f"[{name}]" if usage and not param.required else name


class Command(TyperCommand):
    """A typer command whose usage line and argument list show plain argument names
    (typer writes required arguments as ``{file}`` and adds their type, ``<path>``)."""

    def collect_usage_pieces(self, ctx: Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            pieces += ([_argument_name(param, usage=True)] if isinstance(param, TyperArgument)
                       else param.get_usage_pieces(ctx))
        return pieces

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if isinstance(param, TyperArgument):
                arguments.append((_argument_name(param, usage=False), record[1]))
            else:
                options.append(record)
        for title, records in (("Arguments", arguments), ("Options", options)):
            if records:
                with formatter.section(title):
                    formatter.write_dl(records)


class App(typer.Typer):
    """``typer.Typer`` whose commands are ``Command``s (typer takes the class per
    command, so the app supplies it)."""

    def command(self, *args: Any, **kwargs: Any
                ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        kwargs.setdefault("cls", Command)
        return super().command(*args, **kwargs)


def with_default_command(argv: list[str], commands: Iterable[str]) -> list[str]:
    """``runexp FILE ...`` -> ``runexp run FILE ...`` (typer has no default command).

    A first argument that is no command, no existing path and no experiment file by
    its look (a .yaml or .yml suffix, a folder in it) is a misspelt command: refused
    with the nearest command, rather than run as a file that does not exist."""
    names = sorted(commands)
    if not argv or argv[0].startswith("-") or argv[0] in names:
        return argv
    word = argv[0]
    path = Path(word)
    if path.exists() or word.lower().endswith(EXPERIMENT_SUFFIXES) or path.name != word:
        return ["run", *argv]  # the last: a folder in it
    near = difflib.get_close_matches(word, names, n=1)
    if near:
        raise UsageError(f"no such command {word!r}; did you mean {near[0]!r}?")
    raise UsageError(f"no such command {word!r}, and no file of that name; the commands: "
                     f"{', '.join(names)} (or runexp FILE to run an experiment file)")
