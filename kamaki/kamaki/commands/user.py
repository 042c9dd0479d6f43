"""user, quota, project: the identity side (Keystone tokens and the Account API)."""

from __future__ import annotations

import click

from kamaki.commands import session, state
from kamaki.config import Config
from kamaki.output import output_option, print_done, print_item, print_list
from kamaki.session import login_password, user_of


@click.group()
def user() -> None:
    """Who am I: authenticate, inspect the token, translate uuids and names."""


@user.command()
@click.option("--username", help="Log in with a password instead of the stored token; "
              "the new token is saved in the config.")
@click.option("--password", help="Password for --username (prompted when omitted).")
@click.option("--project", help="Project to scope the new token to.")
@output_option
def authenticate(username: str | None, password: str | None, project: str | None) -> None:
    """Check the cloud's token (or log in) and show who it belongs to."""
    if username:
        config = Config()
        name, settings = config.cloud(state().get("cloud"))
        if password is None:
            password = click.prompt("Password", hide_input=True)
        token, body = login_password(settings["url"], username, password, project=project)
        config.set_cloud(name, "token", token)
        config.save()
    else:
        body = session().refresh()
    info = user_of(body)
    print_done(f"authenticated as {info['name']} ({info['id']}), token expires "
               f"{info['expires']}", **info)


@user.command()
@output_option
def info() -> None:
    """The user, project, roles and expiry of the token."""
    print_item(session().user)


def _catalogs(uuids: list[str], names: list[str]) -> dict:
    return session().account().post_json("user_catalogs",
                                         {"uuids": uuids, "displaynames": names})


@user.command()
@click.argument("uuids", nargs=-1, required=True)
@output_option
def uuid2name(uuids: tuple[str, ...]) -> None:
    """User names (e-mail) of user uuids."""
    found = _catalogs(list(uuids), [])["uuid_catalog"]
    print_list([{"uuid": u, "name": found.get(u, "")} for u in uuids], ["uuid", "name"])


@user.command()
@click.argument("names", nargs=-1, required=True)
@output_option
def name2uuid(names: tuple[str, ...]) -> None:
    """User uuids of user names (e-mail)."""
    found = _catalogs([], list(names))["displayname_catalog"]
    print_list([{"name": n, "uuid": found.get(n, "")} for n in names], ["name", "uuid"])


@click.group()
def quota() -> None:
    """Resource limits and usage, per project."""


@quota.command("list")
@output_option
def quota_list() -> None:
    """Limit, usage and pending of every resource in every project of the user."""
    quotas = session().account().get_json("quotas")
    rows = [{"project": project, "resource": resource, **values}
            for project, resources in sorted(quotas.items())
            for resource, values in sorted(resources.items())]
    print_list(rows, ["project", "resource", "limit", "usage", "pending"])


@click.group()
def project() -> None:
    """Projects: the source of resources."""


@project.command("list")
@click.option("--state", "state_", help="Only projects in this state.")
@output_option
def project_list(state_: str | None) -> None:
    """Projects the user can see."""
    params = {"state": state_} if state_ else None
    rows = session().account().get_json("projects", params=params)
    print_list(rows, ["id", "name", "state", "owner", "join_policy"])


@project.command("info")
@click.argument("project_id")
@output_option
def project_info(project_id: str) -> None:
    """One project."""
    print_item(session().account().get_json(f"projects/{project_id}"))


@project.command("join")
@click.argument("project_id")
@output_option
def project_join(project_id: str) -> None:
    """Ask to join a project."""
    reply = session().account().post_json("projects/memberships",
                                          {"join": {"project": project_id}})
    print_done(f"membership {reply.get('id')} requested", **(reply or {}))
