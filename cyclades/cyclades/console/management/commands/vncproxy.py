"""cyclades-manage vncproxy [--bind H] [--port N]: serve VNC consoles behind one-time passwords."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from cyclades.console.proxy import VncProxy, django_redeem
from cyclades.console.tickets import proxy_address


class Command(BaseCommand):
    help = "Run the VNC authentication proxy in front of the instances' consoles."

    def add_arguments(self, parser: Any) -> None:
        from django.conf import settings

        parser.add_argument("--bind", default=settings.CYCLADES_VNCPROXY_BIND)
        parser.add_argument("--port", type=int, default=None,
                            help="default: CYCLADES_VNCPROXY_PORT (Cyclades' port + 2)")

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["port"] if options["port"] is not None else proxy_address()[1]
        proxy = VncProxy((options["bind"], port), django_redeem)

        def stop(*_: object) -> None:
            threading.Thread(target=proxy.shutdown, daemon=True).start()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        host, bound = proxy.server_address[:2]
        self.stdout.write(f"vncproxy ready {host}:{bound}")
        self.stdout.flush()
        proxy.serve_forever()
        proxy.server_close()
