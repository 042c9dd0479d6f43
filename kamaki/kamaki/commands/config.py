"""config: read and write the kamaki config file."""

from __future__ import annotations

import click

from kamaki.config import Config, split_key
from kamaki.errors import CliError, ExitCode
from kamaki.output import output_option, print_done, print_list

SECRET_KEYS = {"token"}


@click.group("config")
def config_group() -> None:
    """The config file ($KAMAKI_CONFIG, ~/.config/kamaki/config or ~/.kamakirc)."""


@config_group.command("list")
@click.option("--show-secrets", is_flag=True, help="Print tokens instead of hiding them.")
@output_option
def config_list(show_secrets: bool) -> None:
    """Every key as section.key = value."""
    config = Config()
    rows = [{"key": f"global.{k}", "value": v}
            for k, v in (config.parser.items("global") if config.parser.has_section("global")
                         else [])]
    for name, settings in config.clouds().items():
        for key, value in settings.items():
            shown = value if show_secrets or key not in SECRET_KEYS else "*" * 8
            rows.append({"key": f"cloud.{name}.{key}", "value": shown})
    print_list(rows, ["key", "value"])


@config_group.command("get")
@click.argument("key")
def config_get(key: str) -> None:
    """Print one value (global.KEY or cloud.NAME.KEY)."""
    section, option = split_key(key)
    value = Config().get(section, option, default=None)  # type: ignore[arg-type]
    if value is None:
        raise CliError(f"{key} is not set", ExitCode.NOT_FOUND)
    click.echo(value)


@config_group.command("set")
@click.argument("key")
@click.argument("value")
@output_option
def config_set(key: str, value: str) -> None:
    """Set a value, e.g. `cloud.demo.url URL` or `global.default_cloud demo`."""
    config = Config()
    config.set(*split_key(key), value)
    config.save()
    print_done(f"{key} set in {config.path}", key=key, path=str(config.path))


@config_group.command("delete")
@click.argument("key")
@output_option
def config_delete(key: str) -> None:
    """Remove a value."""
    config = Config()
    if not config.remove(*split_key(key)):
        raise CliError(f"{key} is not set", ExitCode.NOT_FOUND)
    config.save()
    print_done(f"{key} deleted", key=key)
