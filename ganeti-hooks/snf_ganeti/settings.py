"""Settings of the node-side tools, read with the one loader.

Hooks and OS scripts run with a clean environment on a Ganeti node, so the
settings directory defaults to /etc/synnefo when SNF_SETTINGS_DIR is not set.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from snf_common.conf import Setting, load_settings
from snf_common.conf.common import COMMON_SETTINGS

DEFAULT_SETTINGS_DIR = "/etc/synnefo"

GTOOLS_SETTINGS = [
    Setting("GTOOLS_BACKEND_PREFIX", str, "snf",
            "Routing-key prefix: messages go to ganeti.<prefix>.event.{op,network,progress}."),
    Setting("GTOOLS_QUEUE_DIR", str, "/var/lib/ganeti/queue",
            "Ganeti's job queue directory, followed by snf-ganeti-eventd."),
    Setting("GTOOLS_POLL_SECONDS", float, 0.3,
            "How often eventd looks for changed job files."),
    Setting("GTOOLS_OUTBOX_DIR", str, "",
            "Durable outbox for messages the queue did not take; '' = STATE_DIR/snf-ganeti/outbox."),
    Setting("GTOOLS_EVENTD_STATE", str, "",
            "eventd's record of published transitions; '' = STATE_DIR/snf-ganeti/eventd.json."),
    Setting("GTOOLS_CLUSTER_NAME", str, "",
            "Cluster name in messages when Ganeti's env/ssconf does not give it."),
    Setting("GTOOLS_MASTER_ONLY", bool, True,
            "eventd publishes only on the master node (ssconf_master_node equals this host)."),
]


def load(environ: dict[str, str] | None = None) -> dict[str, Any]:
    environ = dict(os.environ if environ is None else environ)
    settings_dir = environ.get("SNF_SETTINGS_DIR")
    if settings_dir is None and Path(DEFAULT_SETTINGS_DIR).is_dir():
        settings_dir = DEFAULT_SETTINGS_DIR
    values = load_settings([*COMMON_SETTINGS, *GTOOLS_SETTINGS], prefixes=("GTOOLS_",),
                           environ=environ, settings_dir=settings_dir or "")
    base = Path(values["STATE_DIR"]) / "snf-ganeti"
    if not values["GTOOLS_OUTBOX_DIR"]:
        values["GTOOLS_OUTBOX_DIR"] = str(base / "outbox")
    if not values["GTOOLS_EVENTD_STATE"]:
        values["GTOOLS_EVENTD_STATE"] = str(base / "eventd.json")
    return values
