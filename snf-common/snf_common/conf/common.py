"""Settings every service shares (one host, one state directory, one queue)."""

from __future__ import annotations

from snf_common.conf.spec import Setting

COMMON_SETTINGS = [
    Setting("STATE_DIR", str, "./var", "Where databases, spools, logs and pid files live."),
    Setting("LOG_LEVEL", str, "INFO", "Python logging level for service logs on stderr."),
    Setting("DEBUG", bool, False, "Django debug mode; never in production."),
    Setting("QUEUE_URL", str, "",
            "Queue transport: '' or 'spool:///path' for the local spool, "
            "'amqp://user:pass@host:5672/vhost' for RabbitMQ.", secret=True),
    Setting("IDENTITY_URL", str, "http://127.0.0.1:8700/identity/v3",
            "Keystone v3 URL of Astakos; every service validates tokens there."),
    Setting("TOKEN_CACHE_SECONDS", int, 30,
            "How long a validated token is trusted before asking Astakos again."),
    Setting("REGION", str, "RegionOne", "Region name published in the service catalog."),
]
