from astakos.tokens.components import renew_service_token
from astakos.tokens.models import Component
from snf_common.django.commands import SnfCommand
from snf_common.faults import ItemNotFound


class Command(SnfCommand):
    help = "Give a component a new service token (the old one stops working)."

    def add_arguments(self, parser):
        parser.add_argument("component")

    def handle(self, *args, **options):
        component = Component.objects.filter(name=options["component"]).first()
        if component is None:
            raise ItemNotFound(f"No such component: {options['component']}")
        self.stdout.write(renew_service_token(component))
