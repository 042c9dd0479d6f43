"""The settings directory snf-deploy writes, and the checks made before anything starts."""

import socket
from pathlib import Path

import pytest

from snf_common.conf.loader import read_conf_file
from snf_deploy import DeployError, conf, preflight
from snf_deploy.commands import error_line
from snf_deploy.deploy import child_env
from snf_deploy.state import Layout, Ports, choose_ports, resolve_state_dir, write_json


@pytest.fixture
def lay(tmp_path):
    layout = Layout(tmp_path)
    layout.create()
    return layout


def test_ports_follow_the_convention():
    ports = Ports(9000)
    assert [ports.of(n) for n in ("astakos", "pithos", "cyclades", "rapi", "console")] == \
        [9000, 9001, 9002, 9003, 9004]
    assert ports.identity_url == "http://127.0.0.1:9000/identity/v3"


def test_state_dir_comes_from_argument_then_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SNF_STATE_DIR", str(tmp_path / "env"))
    assert resolve_state_dir(None) == tmp_path / "env"
    assert resolve_state_dir(str(tmp_path / "arg")) == tmp_path / "arg"
    monkeypatch.delenv("SNF_STATE_DIR")
    monkeypatch.chdir(tmp_path)
    assert resolve_state_dir(None) == tmp_path / "var"


def test_port_base_is_remembered(lay):
    assert choose_ports(lay, None).base == 8700
    write_json(lay.deploy_json, {"port_base": 9100})
    assert choose_ports(lay, None).base == 9100
    assert choose_ports(lay, 9200).base == 9200


def test_base_settings_are_literal_conf_files(lay):
    conf.write_base_settings(lay, Ports(9000))
    common = read_conf_file(lay.etc / conf.COMMON_FILE)
    assert common == {"STATE_DIR": str(lay.root),
                      "IDENTITY_URL": "http://127.0.0.1:9000/identity/v3",
                      "QUEUE_URL": f"spool://{lay.root}/queue"}
    services = read_conf_file(lay.etc / conf.SERVICES_FILE)
    assert services["PITHOS_BASE_URL"] == "http://127.0.0.1:9001"
    assert services["CYCLADES_DATABASE_URL"] == f"sqlite:///{lay.root}/cyclades.sqlite3"
    assert (lay.etc.stat().st_mode & 0o077) == 0


def test_service_tokens_file_changes_only_when_tokens_do(lay):
    assert conf.write_service_tokens(lay, {"pithos": "tok-p", "cyclades": "tok-c"})
    assert read_conf_file(lay.etc / conf.TOKENS_FILE) == {
        "CYCLADES_SERVICE_TOKEN": "tok-c", "PITHOS_SERVICE_TOKEN": "tok-p"}
    assert not conf.write_service_tokens(lay, {"pithos": "tok-p", "cyclades": "tok-c"})
    assert conf.write_service_tokens(lay, {"pithos": "tok-2", "cyclades": "tok-c"})


def test_site_config_wins_over_the_written_files(lay, tmp_path):
    conf.write_base_settings(lay, Ports(9000))
    site = tmp_path / "production.conf"
    site.write_text("PITHOS_DATABASE_URL = 'postgresql://u:p@db/pithos'\n")
    conf.install_site_config(lay, str(site))
    values = conf.check_settings(lay, child_env(lay))
    assert values["pithos"]["PITHOS_DATABASE_URL"] == "postgresql://u:p@db/pithos"
    assert values["astakos"]["ASTAKOS_DATABASE_URL"].startswith("sqlite:///")
    with pytest.raises(DeployError, match="no such file"):
        conf.install_site_config(lay, str(tmp_path / "missing.conf"))


def test_a_bad_value_names_the_setting(lay):
    conf.write_base_settings(lay, Ports(9000))
    env = dict(child_env(lay), SNF_PITHOS_BLOCK_SIZE="4M")
    with pytest.raises(DeployError) as info:
        conf.check_settings(lay, env)
    message = str(info.value)
    assert "PITHOS_BLOCK_SIZE" in message and "\n" not in message


def test_an_unknown_database_scheme_is_refused(lay):
    conf.write_base_settings(lay, Ports(9000))
    (lay.etc / conf.SITE_FILE).write_text("ASTAKOS_DATABASE_URL = 'mysql://x/y'\n")
    with pytest.raises(DeployError, match="ASTAKOS_DATABASE_URL"):
        conf.check_settings(lay, child_env(lay))


def test_a_busy_port_is_named_with_its_process():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert not preflight.port_is_free(port)
        with pytest.raises(DeployError, match=f"port {port} \\(wanted by pithos\\)"):
            preflight.check_ports({"pithos": port})
    assert preflight.port_is_free(port)


def test_an_unanswering_database_is_one_line_without_password():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql://alice:s3cret@127.0.0.1:{port}/pithos"
    with pytest.raises(DeployError) as info:
        preflight.check_postgresql("pithos", url, timeout=2)
    message = str(info.value)
    assert message.startswith("pithos database ") and "does not answer" in message
    assert "s3cret" not in message and "\n" not in message


def test_error_line_prefers_the_error_line():
    assert error_line("Traceback\n  x\nerror: bad setting: X: y\n\n") == "error: bad setting: X: y"
    assert error_line("first\nlast\n") == "last"
    assert error_line("") == "(no output)"


def test_the_production_example_is_valid_for_every_service(lay):
    example = Path(__file__).resolve().parents[3] / "deploy/conf/production.conf.example"
    conf.write_base_settings(lay, Ports(9000))
    conf.install_site_config(lay, str(example))
    values = conf.check_settings(lay, child_env(lay))
    assert values["pithos"]["PITHOS_DATABASE_URL"].startswith("postgresql://")
    assert values["pithos"]["PITHOS_BLOCKSTORE"]["BACKEND"].endswith("RadosBlockStore")
    assert values["cyclades"]["QUEUE_URL"].startswith("amqp://")
