"""cyclades-manage dispatcher: consume Ganeti events and apply them to the database."""

import signal

from django.conf import settings

from cyclades.updates.dispatcher import Dispatcher
from snf_common.django.commands import SnfCommand
from snf_common.queue import open_transport


class Command(SnfCommand):
    help = "Run the update-path dispatcher (stop with SIGTERM or Ctrl-C)."

    def add_arguments(self, parser):
        parser.add_argument("--drain", action="store_true",
                            help="Exit once the queue is empty (for tests and one-off runs).")
        parser.add_argument("--poll-seconds", type=float, default=1.0)

    def handle(self, *args, **options):
        stopping = {"now": False}

        def stop(signum, frame):
            stopping["now"] = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        transport = open_transport(settings.QUEUE_URL, settings.STATE_DIR)
        try:
            handled = Dispatcher(transport).run(should_stop=lambda: stopping["now"],
                                                poll_seconds=options["poll_seconds"],
                                                drain=options["drain"])
        finally:
            transport.close()
        self.stdout.write(f"dispatcher: handled {handled} messages")
