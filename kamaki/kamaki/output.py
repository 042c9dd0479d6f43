"""Printing results: a table for people, JSON (`-o json`) for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import click

FORMATS = ("table", "json")
PIPE_WIDTH = 10_000


def _state(ctx: click.Context) -> dict:
    root = ctx.find_root()
    if root.obj is None:
        root.obj = {}
    return root.obj


def output_format() -> str:
    ctx = click.get_current_context(silent=True)
    return _state(ctx).get("output", "table") if ctx else "table"


def _set_output(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        _state(ctx)["output"] = value


def output_option(func: Callable) -> Callable:
    """`-o table|json` on a command (also accepted before the command name)."""
    return click.option("-o", "--output", type=click.Choice(FORMATS), default=None,
                        expose_value=False, is_eager=True, callback=_set_output,
                        help="Output format.")(func)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k}={_cell(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def _console():  # rich.console.Console, imported only for tables
    from rich.console import Console

    # Plain output when piped: no colours and no folding at 80 columns (an id split over
    # two lines cannot be grepped); on a terminal, fit its width.
    if sys.stdout.isatty():
        return Console(highlight=False)
    return Console(highlight=False, soft_wrap=True, width=PIPE_WIDTH, color_system=None)


def print_list(rows: Iterable[dict[str, Any]], columns: Sequence[str | tuple[str, str]]) -> None:
    """A table of `columns` (key or (key, title)); JSON prints the rows unchanged."""
    rows = list(rows)
    if output_format() == "json":
        rows = [{k: v for k, v in row.items() if not str(k).startswith("_")} for row in rows]
        click.echo(json.dumps(rows, indent=2, sort_keys=True, default=str))
        return
    from rich.table import Table

    table = Table(show_edge=False, box=None, pad_edge=False)
    keys = []
    for column in columns:
        key, title = column if isinstance(column, tuple) else (column, column)
        keys.append(key)
        table.add_column(title.upper(), overflow="fold")
    for row in rows:
        table.add_row(*(_cell(_dig(row, key)) for key in keys))
    _console().print(table)


def print_item(item: dict[str, Any]) -> None:
    """One resource: `key: value` lines, or JSON."""
    if output_format() == "json":
        click.echo(json.dumps(item, indent=2, sort_keys=True, default=str))
        return
    width = max((len(str(k)) for k in item), default=0)
    for key in sorted(item):
        click.echo(f"{str(key).ljust(width)}  {_cell(item[key])}")


def print_done(message: str, **fields: Any) -> None:
    """Result of an action: a line for people, the fields as JSON for scripts."""
    if output_format() == "json":
        click.echo(json.dumps(fields, indent=2, sort_keys=True, default=str))
    else:
        click.echo(message)


def _dig(row: dict[str, Any], key: str) -> Any:
    value: Any = row
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value
