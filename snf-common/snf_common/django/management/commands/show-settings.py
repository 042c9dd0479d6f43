from django.conf import settings

from snf_common.django.commands import SnfCommand


class Command(SnfCommand):
    help = "Show this service's effective settings (secrets hidden)."

    def handle(self, *args, **options):
        rows = []
        for spec in settings.SETTING_SPECS:
            value = getattr(settings, spec.name)
            shown = "***" if spec.secret and value else value
            rows.append({"name": spec.name, "value": shown, "doc": spec.doc})
        self.emit(rows, fields=("name", "value", "doc"), output=options["output"])
