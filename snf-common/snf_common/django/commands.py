"""Base classes for `<service>-manage <resource>-<verb>` commands, with -o table|json."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from snf_common.faults import Fault


def format_table(rows: Sequence[dict[str, Any]], fields: Sequence[str]) -> str:
    """A plain aligned text table (no dependency, safe to pipe)."""
    cells = [[str(row.get(f, "")) if row.get(f) is not None else "" for f in fields] for row in rows]
    widths = [max([len(f)] + [len(c[i]) for c in cells]) for i, f in enumerate(fields)]
    lines = ["  ".join(f.upper().ljust(w) for f, w in zip(fields, widths, strict=True)).rstrip()]
    for c in cells:
        lines.append("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)).rstrip())
    return "\n".join(lines)


class SnfCommand(BaseCommand):
    """Adds `-o table|json` and turns faults into one clear error line."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument("-o", "--output", choices=("table", "json"), default="table",
                            help="Output format.")
        return parser

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except Fault as fault:
            raise CommandError(fault.message) from None

    def emit(self, data: Any, *, fields: Sequence[str] | None = None, output: str = "table") -> None:
        if output == "json":
            self.stdout.write(json.dumps(data, indent=2, default=str))
            return
        if isinstance(data, dict):
            width = max((len(k) for k in data), default=0)
            for key, value in data.items():
                if isinstance(value, (dict, list)):
                    value = json.dumps(value, default=str)
                self.stdout.write(f"{key.ljust(width)}  {value}")
            return
        rows = list(data)
        self.stdout.write(format_table(rows, fields or (list(rows[0]) if rows else [])))


class ListCommand(SnfCommand):
    """Subclasses set FIELDS and implement rows()."""

    FIELDS: Sequence[str] = ()

    def rows(self, **options: Any) -> Iterable[dict[str, Any]]:
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        self.emit(list(self.rows(**options)), fields=self.FIELDS, output=options["output"])
