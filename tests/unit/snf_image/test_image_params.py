import base64
import json

import pytest

from snf_image.params import ParamError, parse_params

BASE = {"INSTANCE_NAME": "snf-5", "DISK_0_PATH": "/dev/null", "DISK_0_SIZE": "64",
        "OSP_IMG_ID": "debian", "OSP_IMG_FORMAT": "diskdump"}


def test_osparams_and_disk():
    personality = [{"path": "/etc/motd", "contents": base64.b64encode(b"hi").decode(),
                    "owner": "user", "mode": 420}]
    params = parse_params(dict(BASE, OSP_IMG_PASSWD="pw", OSP_IMG_PROPERTIES='{"osfamily": "linux"}',
                               OSP_IMG_PERSONALITY=json.dumps(personality),
                               OSP_AUTH_KEYS="ssh-ed25519 AAA a@b\n\nssh-rsa BBB c@d\n"))
    assert (params.instance, params.img_id, params.disk_size_bytes) == ("snf-5", "debian", 64 << 20)
    assert params.prop("OSFAMILY") == "linux"
    [item] = params.personality
    assert (item.path, item.contents, item.owner, item.group, item.mode) == (
        "/etc/motd", b"hi", "user", "root", 420)
    assert params.auth_keys == ("ssh-ed25519 AAA a@b", "ssh-rsa BBB c@d")


@pytest.mark.parametrize("extra, message", [
    ({"OSP_IMG_ID": ""}, "img_id"),
    ({"OSP_IMG_FORMAT": "qcow2"}, "img_format"),
    ({"OSP_IMG_PASSWD": "a", "OSP_IMG_PASSWD_HASH": "$6$x"}, "exclude"),
    ({"OSP_IMG_PROPERTIES": "[1]"}, "img_properties"),
    ({"OSP_IMG_PERSONALITY": '[{"path": "relative"}]'}, "absolute"),
    ({"OSP_IMG_PERSONALITY": '[{"path": "/x", "contents": "***"}]'}, "base64"),
])
def test_bad_params_are_refused(extra, message):
    with pytest.raises(ParamError, match=message):
        parse_params(dict(BASE, **extra))


def test_config_url_document_wins(tmp_path):
    doc = tmp_path / "config.json"
    doc.write_text(json.dumps({"img_passwd": "from-url", "img_id": "other", "unrelated": 1}))
    params = parse_params(dict(BASE, OSP_CONFIG_URL=doc.as_uri(), OSP_IMG_PASSWD="env"))
    assert (params.passwd, params.img_id) == ("from-url", "other")
    with pytest.raises(ParamError, match="config_url"):
        parse_params(dict(BASE, OSP_CONFIG_URL=(tmp_path / "missing").as_uri()))
