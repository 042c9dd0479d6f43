from astakos.quotas.commissions import describe
from astakos.quotas.models import Commission
from snf_common.django.commands import SnfCommand
from snf_common.faults import ItemNotFound


class Command(SnfCommand):
    help = "Show one pending commission with its provisions."

    def add_arguments(self, parser):
        parser.add_argument("serial", type=int)

    def handle(self, *args, **options):
        commission = Commission.objects.filter(serial=options["serial"]).first()
        if commission is None:
            raise ItemNotFound(f"No pending commission {options['serial']}.")
        self.emit(describe(commission), output=options["output"])
