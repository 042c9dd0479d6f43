"""The development cluster's opcode checks and defaults, and its error bodies, against
what Ganeti 3.0.2 answered (tests/cluster runs the same calls on both)."""

from __future__ import annotations

import pytest

from snf_ganeti.devcluster import opcodes
from snf_ganeti.devcluster.jobs import rapi_job, summary, unknown_job
from snf_ganeti.devcluster.rapi import HttpError, bad_request, not_found

CONTEXT = {"hypervisor": "fake", "node_uuid": "node-uuid", "instance_uuid": "inst-uuid"}


def create_op(**extra) -> dict:
    return {"OP_ID": "OP_INSTANCE_CREATE", "instance_name": "a.example", "mode": "create",
            "disk_template": "file", "disks": [{"size": 64}], "nics": [{}],
            "os_type": "snf-image+default", "pnode": "node1", **extra}


@pytest.mark.parametrize("param,value", [
    ("disk_template", "bogus"), ("disk_template", 5), ("mode", "bogus"), ("disks", "x"),
    ("disks", [1]), ("nics", {}), ("beparams", []), ("tags", [1]), ("start", "yes"),
])
def test_a_create_parameter_of_the_wrong_type_is_refused(param, value):
    with pytest.raises(opcodes.InvalidParameter) as caught:
        opcodes.validate(create_op(**{param: value}))
    assert caught.value.message == (
        f"Invalid body parameters: (\"Parameter 'OP_INSTANCE_CREATE.{param}' fails "
        "validation\", 'wrong_input')")


def test_known_but_disabled_templates_pass_validation():
    # 'plain' is a template Ganeti knows: it fails later, as a job
    opcodes.validate(create_op(disk_template="plain"))


def test_reboot_type_is_checked():
    with pytest.raises(opcodes.InvalidParameter):
        opcodes.validate({"OP_ID": "OP_INSTANCE_REBOOT", "reboot_type": "bogus"})
    opcodes.validate({"OP_ID": "OP_INSTANCE_REBOOT", "reboot_type": "soft"})


def test_create_gets_ganeti_defaults_in_order():
    op = opcodes.complete(create_op(beparams={"vcpus": 2}), "instances", 7, 0, CONTEXT)
    keys = list(op)
    assert keys[:7] == ["dry_run", "debug_level", "priority", "depends", "comment", "reason",
                        "OP_ID"]
    assert keys.index("instance_name") == 7 and keys[-1] == "helper_shutdown_timeout"
    assert op["reason"][0][:2] == ["gnt:library:rlib2:instances", ""]
    assert op["reason"][1][:2] == ["gnt:opcode:instance_create", "job=7;index=0"]
    assert (op["hypervisor"], op["file_driver"], op["pnode_uuid"]) == ("fake", "loop",
                                                                        "node-uuid")
    assert (op["hvparams"], op["osparams_secret"], op["compress"], op["start"]) == \
        ({}, {}, "none", True)
    assert op["beparams"] == {"vcpus": 2} and op["dry_run"] is False


def test_ext_create_has_no_file_driver_and_unknown_keys_are_kept():
    op = opcodes.complete(create_op(disk_template="ext", snf_extra=1), "instances", 1, 0,
                          CONTEXT)
    assert "file_driver" not in op and op["snf_extra"] == 1


def test_power_ops_carry_the_instance_uuid_and_modify_has_no_dry_run():
    shutdown = opcodes.complete({"OP_ID": "OP_INSTANCE_SHUTDOWN", "instance_name": "a",
                                 "timeout": 5}, "instances_name_shutdown", 3, 0, CONTEXT)
    assert (shutdown["instance_uuid"], shutdown["timeout"], shutdown["no_remember"],
            shutdown["admin_state_source"]) == ("inst-uuid", 5, False, "admin")
    modify = opcodes.complete({"OP_ID": "OP_INSTANCE_SET_PARAMS", "instance_name": "a",
                               "beparams": {"vcpus": 2}}, "instances_name_modify", 4, 0,
                              CONTEXT)
    assert "dry_run" not in modify and modify["hotplug"] is False
    unknown = opcodes.complete({"OP_ID": "OP_INSTANCE_STARTUP", "instance_name": "b"},
                               "instances_name_startup", 5, 0, {**CONTEXT,
                                                                "instance_uuid": None})
    assert "instance_uuid" not in unknown


def test_unknown_job_has_every_field_null():
    job = unknown_job(42)
    assert job == {"id": 42, "ops": None, "status": None, "summary": None, "opstatus": None,
                   "received_ts": None, "start_ts": None, "end_ts": None, "oplog": None,
                   "opresult": None}
    known = rapi_job({"id": 1, "ops": [{"input": {"OP_ID": "OP_TAGS_SET", "name": "x"},
                                        "status": "queued"}]})
    assert list(known) == list(job)


def test_summary_names_instances_and_networks_only():
    assert summary({"OP_ID": "OP_INSTANCE_CREATE", "instance_name": "a"}) == \
        "INSTANCE_CREATE(a)"
    assert summary({"OP_ID": "OP_TAGS_SET", "kind": "instance", "name": "a"}) == "TAGS_SET"


def test_error_bodies_put_the_reason_in_message_escaped():
    assert bad_request("Parameter 'x' \"y\"").body() == {
        "code": 400, "message": "Parameter &#x27;x&#x27; &quot;y&quot;",
        "explain": "Bad request syntax or unsupported method"}
    assert not_found().body() == {"code": 404, "message": "Not Found",
                                  "explain": "Nothing matches the given URI"}
    assert HttpError(501, "Method DELETE is unsupported for path /2/info").body()[
        "explain"] == "Server does not support this operation"
