from ganeti_samples import ADD_POST, with_post

from snf_ganeti.env import parse_hook_env


def test_add_post_env_gives_instance_nics_and_disks(add_post_env):
    env = parse_hook_env(add_post_env)
    assert env.phase == "post" and env.hooks_path == "instance-add"
    assert env.op_code == "OP_INSTANCE_CREATE" and env.is_instance_op
    assert env.instance_name == "snf-1.snf.test"
    assert env.cluster == "cluster.snf.test"
    assert env.tags == ("synnefo:network:0:public",)
    [nic] = env.nics
    assert nic.as_message() == {"name": "nic-1-0", "mac": "aa:00:00:11:22:33", "ip": "10.0.0.5",
                                "network": None, "link": "snfbr0", "mode": "bridged",
                                "uuid": "n-uuid"}
    assert nic.vlan is None
    [disk] = env.disks
    assert disk.as_message() == {"name": "disk-1-0", "size": 1024, "uuid": "d-uuid"}
    assert env.beparams == {"maxmem": "256", "vcpus": "1"}
    assert env.hvparams == {"migration_mode": "live"}


def test_post_values_win_over_pre_values():
    raw = with_post(ADD_POST)
    raw["GANETI_INSTANCE_STATUS"] = "up"
    raw["GANETI_POST_INSTANCE_STATUS"] = "down"
    raw["GANETI_POST_INSTANCE_NIC_COUNT"] = "0"
    raw["GANETI_POST_INSTANCE_BE_vcpus"] = "4"
    env = parse_hook_env(raw)
    assert env.instance_status == "down"
    assert env.nics == ()
    assert env.beparams["vcpus"] == "4"


def test_pre_phase_ignores_post_variables():
    raw = with_post(ADD_POST)
    raw["GANETI_HOOKS_PHASE"] = "pre"
    raw["GANETI_POST_INSTANCE_NIC_COUNT"] = "0"
    assert len(parse_hook_env(raw).nics) == 1


def test_network_name_and_missing_counts():
    raw = dict(ADD_POST, GANETI_INSTANCE_NIC0_NETWORK_NAME="snf-net-7")
    assert parse_hook_env(raw).nics[0].network == "snf-net-7"
    env = parse_hook_env({"GANETI_HOOKS_PHASE": "post", "GANETI_OBJECT_TYPE": "CLUSTER"})
    assert env.nics == () and env.disks == () and not env.is_instance_op
