"""Every CYCLADES_* setting with its type, default and one line of documentation."""

from snf_common.conf.spec import Setting

APPS: list[str] = [
    "cyclades.backends",
    "cyclades.images",
    "cyclades.compute",
    "cyclades.updates",
]

FAULT_FORMATS: list[tuple[str, str]] = []

SETTINGS = [
    Setting("CYCLADES_RECONCILE_INTERVAL_SECONDS", int, 300,
            "How often snf-deploy runs server reconciliation."),
    Setting("CYCLADES_BACKEND_PREFIX", str, "snf-",
            "Ganeti instance names are <prefix><server id>; also tells our instances apart."),
    Setting("CYCLADES_ALLOCATOR", str, "cyclades.backends.allocator.LoadAllocator",
            "Dotted path of the class that chooses a Ganeti backend for a new server."),
    Setting("CYCLADES_RAPI_CLIENT", str, "cyclades.backends.ganeti.rapi.RapiClient",
            "Dotted path of the RAPI client class (called with a Backend row)."),
    Setting("CYCLADES_RAPI_TIMEOUT_SECONDS", float, 30.0,
            "Timeout of one RAPI request."),
    Setting("CYCLADES_RAPI_RETRIES", int, 3,
            "How often a RAPI request is retried after a connection error."),
    Setting("CYCLADES_BACKEND_REFRESH_SECONDS", int, 900,
            "The allocator refreshes a backend's capacity stats older than this."),
    Setting("CYCLADES_GANETI_OS", str, "snf-image+default",
            "Ganeti OS definition (with variant) that deploys images."),
    Setting("CYCLADES_GANETI_CREATE_PARAMS", dict, {},
            "Extra fields merged into every RAPI instance-create body (e.g. iallocator)."),
    Setting("CYCLADES_NIC_PARAMS", dict, {"mode": "bridged", "link": "snfbr0"},
            "Ganeti NIC parameters of every server NIC until the network service lands."),
    Setting("CYCLADES_DEFAULT_NETWORK", str, "public",
            "Network id a server's first NIC is reported on when the request names none."),
    Setting("CYCLADES_SHUTDOWN_TIMEOUT_SECONDS", int, 60,
            "Grace time Ganeti gives a guest to shut down before pulling the plug."),
    Setting("CYCLADES_QUOTAS", str, "cyclades.quotas.AstakosQuotas",
            "Dotted path of the quota holder adapter (commissions to Astakos)."),
    Setting("CYCLADES_ACCOUNT_URL", str, "",
            "Synnefo Account API of Astakos (commissions, quotas); '' = beside IDENTITY_URL."),
    Setting("CYCLADES_EVENTS_QUEUE", str, "cyclades-events",
            "Queue the dispatcher consumes; bound to ganeti.#.event.*."),
    Setting("CYCLADES_MAX_METADATA_ITEMS", int, 128, "Metadata items per server."),
    Setting("CYCLADES_MAX_PERSONALITY", int, 5, "Injected files per server."),
    Setting("CYCLADES_MAX_PERSONALITY_BYTES", int, 10240, "Size of one injected file."),
    Setting("CYCLADES_MAX_KEYPAIRS", int, 100, "Key pairs per user."),
    Setting("CYCLADES_LIST_LIMIT", int, 1000, "Most items one list page returns."),
]
