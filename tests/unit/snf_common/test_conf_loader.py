import pytest

from snf_common.conf.loader import SettingsError, load_settings
from snf_common.conf.spec import Setting

SPECS = [
    Setting("PITHOS_BLOCK_SIZE", int, 4194304, "block size"),
    Setting("PITHOS_NAME", str, "x", "a name"),
    Setting("PITHOS_FLAG", bool, False, "a flag"),
    Setting("PITHOS_LIST", list, [], "a list"),
    Setting("STATE_DIR", str, "./var", "state"),
]


def load(tmp_path, environ=None):
    return load_settings(SPECS, prefixes=("PITHOS_",), environ=environ or {},
                         settings_dir=str(tmp_path))


def test_defaults_apply_without_files_or_environment(tmp_path):
    assert load(tmp_path)["PITHOS_BLOCK_SIZE"] == 4194304


def test_files_are_read_in_name_order_and_environment_wins(tmp_path):
    (tmp_path / "10-a.conf").write_text("PITHOS_NAME = 'first'\nPITHOS_BLOCK_SIZE = 1024\n")
    (tmp_path / "20-b.conf").write_text("PITHOS_NAME = 'second'\n")
    values = load(tmp_path, {"SNF_PITHOS_BLOCK_SIZE": "2048", "SNF_PITHOS_FLAG": "yes",
                             "SNF_PITHOS_LIST": '["a", "b"]'})
    assert values["PITHOS_NAME"] == "second"
    assert values["PITHOS_BLOCK_SIZE"] == 2048
    assert values["PITHOS_FLAG"] is True
    assert values["PITHOS_LIST"] == ["a", "b"]


def test_wrong_type_in_environment_names_the_setting(tmp_path):
    with pytest.raises(SettingsError, match=r"PITHOS_BLOCK_SIZE: expected int, got '4M'"):
        load(tmp_path, {"SNF_PITHOS_BLOCK_SIZE": "4M"})


def test_wrong_type_in_file_names_the_setting_and_file(tmp_path):
    (tmp_path / "a.conf").write_text("PITHOS_FLAG = 'maybe'\n")
    with pytest.raises(SettingsError, match=r"PITHOS_FLAG: expected bool.*a.conf"):
        load(tmp_path)


def test_unknown_owned_name_is_an_error_but_other_services_names_are_ignored(tmp_path):
    (tmp_path / "a.conf").write_text("CYCLADES_WHATEVER = 1\n")
    assert load(tmp_path)["PITHOS_NAME"] == "x"
    (tmp_path / "b.conf").write_text("PITHOS_BLOKC_SIZE = 1\n")
    with pytest.raises(SettingsError, match="PITHOS_BLOKC_SIZE: unknown setting"):
        load(tmp_path)


def test_conf_files_cannot_run_code(tmp_path):
    (tmp_path / "a.conf").write_text("PITHOS_NAME = __import__('os').getcwd()\n")
    with pytest.raises(SettingsError, match="must be a literal"):
        load(tmp_path)
    (tmp_path / "a.conf").write_text("import os\n")
    with pytest.raises(SettingsError, match="only 'NAME = literal'"):
        load(tmp_path)
