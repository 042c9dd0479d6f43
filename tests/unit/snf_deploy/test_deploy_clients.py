"""clouds.yaml and kamakirc for the demo user."""

import configparser

import yaml

from snf_deploy.cli import build_parser
from snf_deploy.clouds_yaml import clouds_yaml, kamakirc
from snf_deploy.state import Ports

DEMO = {"username": "demo", "password": 'p:"w# \'x', "project_name": "demo", "token": "tok"}


def test_clouds_yaml_parses_to_the_openstack_shape():
    cloud = yaml.safe_load(clouds_yaml(Ports(8800), DEMO))["clouds"]["synnefo"]
    assert cloud["auth"] == {
        "auth_url": "http://127.0.0.1:8800/identity/v3", "username": "demo",
        "password": DEMO["password"], "project_name": "demo",
        "user_domain_name": "Default", "project_domain_name": "Default"}
    assert cloud["identity_api_version"] == 3
    assert cloud["region_name"] == "RegionOne"


def test_kamakirc_names_the_default_cloud():
    parser = configparser.ConfigParser()
    parser.read_string(kamakirc(Ports(8800), "tok"))
    assert parser["global"]["default_cloud"] == "synnefo"
    assert parser['cloud "synnefo"']["url"] == "http://127.0.0.1:8800/identity/v3"
    assert parser['cloud "synnefo"']["token"] == "tok"


def test_cli_accepts_the_documented_options():
    args = build_parser().parse_args(["up", "--state-dir", "/x", "--port-base", "9000",
                                      "--config", "p.conf", "--workers", "3"])
    assert (args.state_dir, args.port_base, args.config, args.workers) == ("/x", 9000, "p.conf", 3)
    assert build_parser().parse_args(["status", "-o", "json"]).output == "json"


def test_generated_passwords_are_safe_on_a_command_line():
    from snf_deploy.state import new_password

    for _ in range(200):
        password = new_password()
        assert len(password) == 20 and password.isalnum()


def test_up_summary_lists_the_dashboard_beside_the_services(tmp_path):
    import os

    from snf_deploy.deploy import summary
    from snf_deploy.processes import Context
    from snf_deploy.state import Layout

    ctx = Context(layout=Layout(tmp_path), ports=Ports(8800), env=dict(os.environ),
                  demo=DEMO, say=lambda s: None)
    text = summary(ctx)
    assert "  cyclades  http://127.0.0.1:8802\n" in text
    assert "  dashboard http://127.0.0.1:8802/ui/\n" in text
