"""The Ganeti hook: after an instance operation, tell the cloud what the instance is now.

Installed (as the one-line ganeti-hooks/hooks/snf-ganeti-hook) in
/etc/ganeti/hooks/instance-{add,start,stop,reboot,modify,remove}-post.d/. It
publishes one `ganeti-op-status` message with status `success` (Ganeti runs
post hooks only after the operation succeeded), carrying the instance's NICs
and disks as Ganeti reports them in GANETI_POST_*.

Ganeti gives a hook no job id. The hook looks for the running job with this
opcode and target in the job queue directory (GANETI_DATA_DIR/queue, readable
on the master); when it cannot tell, jobId is 0. Consumers order one instance's
events by event_time, never by jobId; job status transitions come from eventd.

A hook never fails its operation: it always exits 0 (a pre hook that failed
would abort the job), and a message the queue does not take goes to the outbox.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping

from snf_common.ganeti_events import OpStatus, routing_key, to_json
from snf_ganeti import settings as gtools_settings
from snf_ganeti.env import HookEnv, parse_hook_env
from snf_ganeti.jobfiles import find_running_job
from snf_ganeti.notify import Notifier, notifier_from_settings

log = logging.getLogger("snf_ganeti.hook")

# opcodes whose post hook reports the instance's state
REPORTED_OPCODES = {
    "OP_INSTANCE_CREATE", "OP_INSTANCE_STARTUP", "OP_INSTANCE_SHUTDOWN", "OP_INSTANCE_REBOOT",
    "OP_INSTANCE_SET_PARAMS", "OP_INSTANCE_REMOVE", "OP_INSTANCE_GROW_DISK",
    "OP_INSTANCE_REINSTALL", "OP_INSTANCE_RENAME", "OP_INSTANCE_MIGRATE",
    "OP_INSTANCE_FAILOVER",
}


def build_message(env: HookEnv, job_id: int, cluster: str = "") -> OpStatus:
    """The op-status message a post hook publishes."""
    job_fields: dict = {}
    if env.op_code in ("OP_INSTANCE_CREATE", "OP_INSTANCE_SET_PARAMS"):
        job_fields = {"beparams": dict(env.beparams)}
    return OpStatus(
        instance=env.instance_name or env.op_target,
        operation=env.op_code,
        status="success",
        jobId=job_id,
        cluster=env.cluster or cluster,
        logmsg=f"hook {env.hooks_path}-{env.phase}",
        job_fields=job_fields,
        instance_nics=[nic.as_message() for nic in env.nics],
        instance_disks=[disk.as_message() for disk in env.disks],
        tags=list(env.tags),
    )


def should_report(env: HookEnv) -> bool:
    return env.phase == "post" and env.is_instance_op and env.op_code in REPORTED_OPCODES


def run(environ: Mapping[str, str], notifier: Notifier, prefix: str, cluster: str = "") -> bool:
    """Publish (or spool) the message for this hook run; False when nothing applies."""
    env = parse_hook_env(environ)
    if not should_report(env):
        # pre hooks and other objects only forward what an earlier run spooled
        notifier.flush()
        return False
    job_id = find_running_job(os.path.join(env.data_dir, "queue"), env.op_code,
                              env.op_target) or 0
    message = build_message(env, job_id, cluster)
    sent = notifier.publish(routing_key(prefix, "op"), to_json(message))
    log.info("%s %s job %s: %s", env.op_code, message.instance, job_id,
             "published" if sent else "spooled")
    return True


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="snf-ganeti-hook: %(levelname)s %(message)s")
    try:
        conf = gtools_settings.load()
        notifier = notifier_from_settings(conf)
        try:
            run(os.environ, notifier, conf["GTOOLS_BACKEND_PREFIX"], conf["GTOOLS_CLUSTER_NAME"])
        finally:
            notifier.close()
    except Exception:  # never fail a Ganeti operation because of the update path
        log.exception("hook failed; the operation is not affected")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
