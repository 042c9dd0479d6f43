"""Contract: a server's lifecycle over Ganeti's RAPI, as Cyclades drives it.

Runs against every RAPI implementation (`rapi_cluster`: real Ganeti with the fake
hypervisor, and the development cluster), with plain `requests`: what passes here is
what Cyclades' RAPI client may rely on. Shapes the two answer differently are listed in
docs/real-ganeti.md.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from tests.fixtures.ganeti import ROOT, RapiCluster

pytestmark = [pytest.mark.cluster,
              pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")]

JOB_TIMEOUT_SECONDS = 90
POLL_SECONDS = 0.1
FINAL_JOB_STATES = {"success", "error", "canceled"}
DISK_SIZE_MIB = 64
MEMORY_MIB = 128
HOOK_MESSAGE_TIMEOUT_SECONDS = 20
NOT_FOUND = {"code": 404, "message": "Not Found", "explain": "Nothing matches the given URI"}
BAD_REQUEST_EXPLAIN = "Bad request syntax or unsupported method"
# GET /2/instances/<name> of Ganeti 3.0.2 (the development cluster adds only `osparams`)
INSTANCE_KEYS = {
    "name", "admin_state", "os", "pnode", "snodes", "disk_template", "nic.ips", "nic.macs",
    "nic.modes", "nic.uuids", "nic.names", "nic.links", "nic.networks", "nic.networks.names",
    "nic.bridges", "network_port", "disk.sizes", "disk.spindles", "disk_usage", "disk.uuids",
    "disk.names", "beparams", "hvparams", "oper_state", "oper_ram", "oper_vcpus", "status",
    "custom_hvparams", "custom_beparams", "custom_nicparams", "ctime", "mtime", "uuid",
    "serial_no", "tags"}
NODE_KEYS = {
    "name", "offline", "master_candidate", "drained", "dtotal", "dfree", "sptotal", "spfree",
    "mtotal", "mnode", "mfree", "pinst_cnt", "sinst_cnt", "ctotal", "cnos", "cnodes",
    "csockets", "pip", "sip", "role", "pinst_list", "sinst_list", "master_capable",
    "vm_capable", "ndparams", "group.uuid", "ctime", "mtime", "uuid", "serial_no", "tags"}
INFO_KEYS = {
    "software_version", "protocol_version", "config_version", "os_api_version",
    "export_version", "vcs_version", "architecture", "name", "master", "default_hypervisor",
    "enabled_hypervisors", "hvparams", "os_hvp", "beparams", "osparams", "ipolicy",
    "nicparams", "ndparams", "diskparams", "candidate_pool_size", "max_running_jobs",
    "max_tracked_jobs", "mac_prefix", "master_netdev", "master_netmask",
    "use_external_mip_script", "volume_group_name", "drbd_usermode_helper",
    "file_storage_dir", "shared_file_storage_dir", "gluster_storage_dir",
    "maintain_node_health", "ctime", "mtime", "uuid", "tags", "uid_pool",
    "default_iallocator", "default_iallocator_params", "reserved_lvs", "primary_ip_version",
    "prealloc_wipe_disks", "hidden_os", "blacklisted_os", "enabled_disk_templates",
    "install_image", "instance_communication_network", "zeroing_image", "compression_tools",
    "enabled_user_shutdown", "enabled_data_collectors", "data_collector_interval",
    "modify_ssh_setup", "ssh_key_type", "ssh_key_bits", "vg_name", "drbd_helper"}
JOB_KEYS = {"id", "ops", "status", "summary", "opstatus", "received_ts", "start_ts", "end_ts",
            "oplog", "opresult"}


# ---- RAPI helpers --------------------------------------------------------------------

def job_id_of(reply: requests.Response) -> int:
    """Every RAPI write answers 200 with the bare job id as a JSON number."""
    assert reply.status_code == 200, reply.text
    job_id = reply.json()
    assert isinstance(job_id, int) and not isinstance(job_id, bool), reply.text
    return job_id


def wait_job(http: requests.Session, cluster: RapiCluster, job_id: int) -> dict:
    deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
    while True:
        reply = http.get(f"{cluster.url}/2/jobs/{job_id}", timeout=30)
        assert reply.status_code == 200, reply.text
        job = reply.json()
        assert job["status"] in {"queued", "waiting", "running", *FINAL_JOB_STATES}, job
        if job["status"] in FINAL_JOB_STATES:
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job['status']}"
        time.sleep(POLL_SECONDS)


def run_job(http: requests.Session, cluster: RapiCluster, reply: requests.Response) -> dict:
    job = wait_job(http, cluster, job_id_of(reply))
    assert job["status"] == "success", json.dumps(job, indent=1)[:3000]
    return job


def disk_template(http: requests.Session, cluster: RapiCluster) -> str:
    info = http.get(f"{cluster.url}/2/info", timeout=30).json()
    enabled = info.get("enabled_disk_templates") or []
    for template in ("file", "plain"):
        if template in enabled:
            return template
    pytest.fail(f"cluster {cluster.name} enables neither file nor plain: {enabled}")


def create_body(cluster: RapiCluster, name: str, template: str, **overrides) -> dict:
    """A Synnefo-like create request."""
    nic = {"name": f"{name}-nic0", "mode": "bridged"}
    if cluster.link:
        nic["link"] = cluster.link
    body = {
        "__version__": 1, "mode": "create", "name": name,
        "disk_template": template,
        "disks": [{"size": DISK_SIZE_MIB, "name": f"{name}-disk0"}],
        "nics": [nic],
        "os_type": cluster.os_type,
        "osparams": {"img_id": "snf-test-image", "img_format": "diskdump",
                     "img_passwd": "secret", "img_properties": "{}"},
        "beparams": {"vcpus": 1, "maxmem": MEMORY_MIB, "minmem": MEMORY_MIB,
                     "auto_balance": True},
        "ip_check": False, "name_check": False, "wait_for_sync": False,
        "tags": ["synnefo:test"],
    }
    if cluster.node:
        body["pnode"] = cluster.node
    body.update(overrides)
    return body


def node_name(http: requests.Session, cluster: RapiCluster) -> str:
    return http.get(f"{cluster.url}/2/info", timeout=30).json()["master"]


def new_name() -> str:
    return f"snf-{uuid.uuid4().hex[:10]}.snf.test"


def get_instance(http: requests.Session, cluster: RapiCluster, name: str) -> dict:
    reply = http.get(f"{cluster.url}/2/instances/{name}", timeout=30)
    assert reply.status_code == 200, reply.text
    return reply.json()


@pytest.fixture
def http(rapi_cluster: RapiCluster) -> requests.Session:
    session = rapi_cluster.session()
    yield session
    session.close()


# ---- cluster-level reads -------------------------------------------------------------

def test_info_names_the_cluster(http, rapi_cluster):
    reply = http.get(f"{rapi_cluster.url}/2/info", timeout=30)
    assert reply.status_code == 200
    info = reply.json()
    assert info["name"] == rapi_cluster.name
    assert isinstance(info["software_version"], str)
    assert isinstance(info["enabled_hypervisors"], list) and info["enabled_hypervisors"]
    assert info["default_hypervisor"] in info["enabled_hypervisors"]
    assert isinstance(info["master"], str) and info["master"]
    assert set(info) == INFO_KEYS
    assert info["architecture"][0] == "64bits"
    assert set(info["ipolicy"]) == {"minmax", "std", "spindle-ratio", "vcpu-ratio",
                                    "disk-templates"}
    assert set(info["ndparams"]) >= {"spindle_count", "exclusive_storage", "ssh_port"}


def test_nodes_list_and_bulk(http, rapi_cluster):
    nodes = http.get(f"{rapi_cluster.url}/2/nodes", timeout=30).json()
    assert nodes and all(set(node) == {"id", "uri"} for node in nodes)
    assert all(node["uri"] == f"/2/nodes/{node['id']}" for node in nodes)
    bulk = http.get(f"{rapi_cluster.url}/2/nodes?bulk=1", timeout=30).json()
    assert {node["name"] for node in bulk} == {node["id"] for node in nodes}
    for node in bulk:
        assert set(node) == NODE_KEYS
        # what the allocator reads
        for field in ("mtotal", "mfree", "dtotal", "dfree", "ctotal"):
            assert isinstance(node[field], int), (field, node)
        assert node["offline"] is False and node["drained"] is False
        assert node["sptotal"] is None and node["spfree"] is None  # no spindles on file/ext


def test_wrong_password_is_401(rapi_cluster):
    reply = requests.get(f"{rapi_cluster.url}/2/instances", verify=False, timeout=30,
                         auth=(rapi_cluster.user, rapi_cluster.password + "-wrong"))
    assert reply.status_code == 401
    # an unauthenticated write must not create a job either
    reply = requests.post(f"{rapi_cluster.url}/2/instances", verify=False, timeout=30,
                          json={"__version__": 1})
    assert reply.status_code == 401


def test_unknown_instance_is_404(http, rapi_cluster):
    reply = http.get(f"{rapi_cluster.url}/2/instances/{new_name()}", timeout=30)
    assert reply.status_code == 404
    assert reply.json() == NOT_FOUND
    # an unknown path answers the same
    reply = http.get(f"{rapi_cluster.url}/2/no-such-resource", timeout=30)
    assert (reply.status_code, reply.json()) == (404, NOT_FOUND)


def dev_differs(request, rapi_cluster: RapiCluster, reason: str) -> None:
    """Real Ganeti's answer is the contract; the development cluster does not give it yet."""
    if rapi_cluster.kind == "devcluster":
        request.applymarker(pytest.mark.xfail(reason=f"devcluster: {reason}", strict=False))


def test_unknown_job_is_200_with_null_fields(http, rapi_cluster):
    # Ganeti answers an unknown (or archived and purged) job id with every field null,
    # not 404: a poller must treat status None as "job gone".
    reply = http.get(f"{rapi_cluster.url}/2/jobs/987654321", timeout=30)
    assert reply.status_code == 200
    job = reply.json()
    assert set(job) == JOB_KEYS
    assert job == {**{key: None for key in JOB_KEYS}, "id": 987654321}
    # and cancelling it is a refusal, not an error
    reply = http.delete(f"{rapi_cluster.url}/2/jobs/987654321", timeout=30)
    assert (reply.status_code, reply.json()) == (200, [False, "Job 987654321 not found in queue"])


def test_create_with_invalid_disk_template_is_400(http, rapi_cluster):
    # Opcode parameter types are checked when the request is parsed: HTTP 400, no job.
    name = new_name()
    body = create_body(rapi_cluster, name, "no-such-template")
    reply = http.post(f"{rapi_cluster.url}/2/instances", json=body, timeout=30)
    assert reply.status_code == 400, reply.text
    error = reply.json()
    assert error == {
        "code": 400, "explain": BAD_REQUEST_EXPLAIN,
        "message": "Invalid body parameters: (&quot;Parameter &#x27;OP_INSTANCE_CREATE."
                   "disk_template&#x27; fails validation&quot;, &#x27;wrong_input&#x27;)"}
    assert http.get(f"{rapi_cluster.url}/2/instances/{name}", timeout=30).status_code == 404


def test_invalid_reboot_type_is_400_before_the_instance_is_looked_up(http, rapi_cluster):
    reply = http.post(f"{rapi_cluster.url}/2/instances/{new_name()}/reboot?type=bogus",
                      timeout=30)
    assert reply.status_code == 400, reply.text
    assert "OP_INSTANCE_REBOOT.reboot_type" in reply.json()["message"]


def test_create_without_version_is_400(http, rapi_cluster):
    reply = http.post(f"{rapi_cluster.url}/2/instances", json={"name": new_name()}, timeout=30)
    assert reply.status_code == 400
    assert reply.json() == {
        "code": 400, "explain": BAD_REQUEST_EXPLAIN,
        "message": "Instance creation request version 0 is no longer supported"}


def test_bad_json_is_400_with_the_reason_in_message(http, rapi_cluster):
    reply = http.post(f"{rapi_cluster.url}/2/instances", data="{not json", timeout=30)
    assert reply.status_code == 400
    assert reply.json() == {"code": 400, "message": "Unable to parse JSON data",
                            "explain": BAD_REQUEST_EXPLAIN}


# ---- the lifecycle -------------------------------------------------------------------

def test_server_lifecycle(http, rapi_cluster):
    url = rapi_cluster.url
    name = new_name()
    template = disk_template(http, rapi_cluster)

    job = run_job(http, rapi_cluster, http.post(
        f"{url}/2/instances", json=create_body(rapi_cluster, name, template), timeout=30))
    assert job["summary"] == [f"INSTANCE_CREATE({name})"]
    assert job["opstatus"] == ["success"]
    op = job["ops"][0]
    assert op["OP_ID"] == "OP_INSTANCE_CREATE"
    # the echoed opcode has Ganeti's defaults filled in
    assert (op["instance_name"], op["hvparams"], op["osparams_private"], op["start"],
            op["conflicts_check"], op["priority"]) == (name, {}, {}, True, True, 0)
    assert op["hypervisor"] in http.get(f"{url}/2/info", timeout=30).json()["enabled_hypervisors"]
    assert op["reason"][-1][:2] == ["gnt:opcode:instance_create", f"job={job['id']};index=0"]
    assert [m for _, _, _, m in job["oplog"][0] if m.startswith("adding ")] == \
        [f"adding instance {name} to cluster config", "adding disks to cluster config"]
    try:
        listed = http.get(f"{url}/2/instances", timeout=30).json()
        assert {"id": name, "uri": f"/2/instances/{name}"} in listed

        inst = get_instance(http, rapi_cluster, name)
        assert INSTANCE_KEYS <= set(inst) and set(inst) - INSTANCE_KEYS <= {"osparams"}
        assert (inst["serial_no"], inst["hvparams"], inst["disk.spindles"]) == (3, {}, [None])
        assert inst["name"] == name
        assert inst["status"] == "running"
        assert inst["admin_state"] == "up"
        assert inst["oper_state"] is True
        assert inst["os"] == rapi_cluster.os_type
        assert inst["disk_template"] == template
        assert inst["disk.sizes"] == [DISK_SIZE_MIB]
        assert len(inst["nic.macs"]) == 1 and inst["nic.macs"][0].count(":") == 5
        assert inst["nic.names"] == [f"{name}-nic0"]
        assert inst["nic.modes"] == ["bridged"]
        assert inst["beparams"]["maxmem"] == MEMORY_MIB
        assert inst["beparams"]["vcpus"] == 1
        assert "synnefo:test" in inst["tags"]
        if rapi_cluster.node:
            assert inst["pnode"] == rapi_cluster.node

        # /info answers a job id; the query job's result has the details
        job = run_job(http, rapi_cluster, http.get(f"{url}/2/instances/{name}/info", timeout=30))
        assert job["summary"] == ["INSTANCE_QUERY_DATA"]
        details = job["opresult"][0][name]
        assert (details["config_state"], details["run_state"]) == ("up", "up")
        assert [d["size"] for d in details["disks"]] == [DISK_SIZE_MIB]
        assert details["uuid"] == inst["uuid"]

        job = run_job(http, rapi_cluster,
                      http.put(f"{url}/2/instances/{name}/shutdown", json={"timeout": 5},
                               timeout=30))
        assert (job["ops"][0]["instance_uuid"], job["ops"][0]["timeout"],
                job["ops"][0]["no_remember"]) == (inst["uuid"], 5, False)
        inst = get_instance(http, rapi_cluster, name)
        assert (inst["status"], inst["admin_state"], inst["oper_state"]) == \
            ("ADMIN_down", "down", False)

        run_job(http, rapi_cluster, http.put(f"{url}/2/instances/{name}/startup", timeout=30))
        inst = get_instance(http, rapi_cluster, name)
        assert (inst["status"], inst["admin_state"], inst["oper_state"]) == \
            ("running", "up", True)

        job = run_job(http, rapi_cluster,
                      http.post(f"{url}/2/instances/{name}/reboot?type=hard", timeout=30))
        assert job["ops"][0]["OP_ID"] == "OP_INSTANCE_REBOOT"
        assert job["ops"][0]["reboot_type"] == "hard"
        assert get_instance(http, rapi_cluster, name)["status"] == "running"
    finally:
        job = run_job(http, rapi_cluster, http.delete(f"{url}/2/instances/{name}", timeout=30))
    assert job["ops"][0]["OP_ID"] == "OP_INSTANCE_REMOVE"
    assert http.get(f"{url}/2/instances/{name}", timeout=30).status_code == 404


def test_create_with_unknown_os_fails_as_a_job(http, rapi_cluster):
    # Validation is asynchronous: the POST is accepted, the job ends in error.
    name = new_name()
    body = create_body(rapi_cluster, name, disk_template(http, rapi_cluster),
                       os_type="no-such-os+default")
    job = wait_job(http, rapi_cluster, job_id_of(
        http.post(f"{rapi_cluster.url}/2/instances", json=body, timeout=30)))
    assert job["status"] == "error"
    assert job["opstatus"] == ["error"]
    # the node checks the OS first (its parameters), and fails at execution
    assert job["opresult"][0] == ["OpExecError", [
        f"OS Parameters validation failed on node {node_name(http, rapi_cluster)}: "
        "Directory for OS no-such-os not found in search path"]]
    assert http.get(f"{rapi_cluster.url}/2/instances/{name}", timeout=30).status_code == 404


def test_duplicate_create_fails_already_exists(http, rapi_cluster):
    name = new_name()
    body = create_body(rapi_cluster, name, disk_template(http, rapi_cluster))
    run_job(http, rapi_cluster, http.post(f"{rapi_cluster.url}/2/instances", json=body,
                                          timeout=30))
    try:
        job = wait_job(http, rapi_cluster, job_id_of(
            http.post(f"{rapi_cluster.url}/2/instances", json=body, timeout=30)))
        assert job["status"] == "error"
        assert job["opresult"][0][0] == "OpPrereqError"
        assert job["opresult"][0][1][-1] == "already_exists"
    finally:
        run_job(http, rapi_cluster,
                http.delete(f"{rapi_cluster.url}/2/instances/{name}", timeout=30))


# ---- the snf hook on a real create ---------------------------------------------------

def test_instance_add_post_hook_publishes_op_status(http, rapi_cluster):
    from snf_common.queue import open_transport

    if not (ROOT / "ganeti-hooks" / "hooks" / "snf-ganeti-hook").exists():
        pytest.skip("ganeti-hooks/hooks/snf-ganeti-hook is not in the tree")
    spool = rapi_cluster.spool_dir
    if spool is None:
        pytest.skip("the cluster's hooks publish to no spool we know (SNF_QUEUE_URL in "
                    "/etc/ganeti/snf.env; SNF_TEST_GANETI_SPOOL for an external cluster)")
    queue_name = f"test-hook-{uuid.uuid4().hex[:8]}"
    spool.mkdir(parents=True, exist_ok=True)
    transport = open_transport(f"spool://{spool / 'queue'}", str(spool / "state"))
    transport.declare_queue(queue_name, ["ganeti.#"])
    name = new_name()
    run_job(http, rapi_cluster, http.post(
        f"{rapi_cluster.url}/2/instances",
        json=create_body(rapi_cluster, name, disk_template(http, rapi_cluster)), timeout=30))
    try:
        message = None
        deadline = time.monotonic() + HOOK_MESSAGE_TIMEOUT_SECONDS
        while message is None and time.monotonic() < deadline:
            delivery = transport.get(queue_name, timeout=0.5)
            if delivery is None:
                continue
            delivery.ack()
            body = json.loads(delivery.body)
            if body.get("instance") == name and body.get("operation") == "OP_INSTANCE_CREATE":
                message = (delivery.routing_key, body)
        assert message is not None, f"no OP_INSTANCE_CREATE message for {name} in {spool}"
        routing_key, body = message
        assert routing_key.startswith("ganeti.") and routing_key.endswith(".event.op")
        assert body["type"] == "ganeti-op-status"
        assert body["status"] == "success"
        assert body["cluster"] == rapi_cluster.name
        assert len(body["instance_nics"]) == 1
        assert len(body["instance_disks"]) == 1
    finally:
        run_job(http, rapi_cluster,
                http.delete(f"{rapi_cluster.url}/2/instances/{name}", timeout=30))
        transport.close()


# ---- our OS definition on a real create ----------------------------------------------

def test_snf_image_os_writes_a_local_image(http, rapi_cluster, tmp_path):
    # the cluster reads the image from this machine's filesystem: only local clusters
    if rapi_cluster.file_storage is None:
        pytest.skip("the cluster's disks are not on this machine (SNF_TEST_GANETI_RAPI)")
    if not (ROOT / "snf-image" / "ganeti-os" / "create").exists():
        pytest.skip("snf-image/ganeti-os is not in the tree: the cluster has the stub OS")
    image = tmp_path / "image.raw"
    pattern = uuid.uuid4().bytes * 65536  # 1 MiB, unique to this run
    image.write_bytes(pattern)
    name = new_name()
    template = disk_template(http, rapi_cluster)
    body = create_body(rapi_cluster, name, template, os_type="snf-image+default",
                       osparams={"img_id": str(image), "img_format": "diskdump",
                                 "img_properties": json.dumps({"EXCLUDE_ALL_TASKS": "yes"})})
    job = run_job(http, rapi_cluster, http.post(f"{rapi_cluster.url}/2/instances", json=body,
                                                timeout=30))
    try:
        assert job["ops"][0]["os_type"] == "snf-image+default"
        assert template == "file"
        # file disks: <file storage dir>/<instance>/<disk uuid>.file.disk0
        disks = list((rapi_cluster.file_storage / name).glob("*.file.disk0"))
        assert len(disks) == 1, disks
        with open(disks[0], "rb") as disk:
            assert disk.read(len(pattern)) == pattern
    finally:
        run_job(http, rapi_cluster,
                http.delete(f"{rapi_cluster.url}/2/instances/{name}", timeout=30))
