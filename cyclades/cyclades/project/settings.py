"""Django settings for cyclades: defaults -> SNF_SETTINGS_DIR/*.conf -> SNF_* environment."""

from cyclades.defaults import APPS, FAULT_FORMATS, SETTINGS
from snf_common.django.project import service_settings

globals().update(service_settings("cyclades", SETTINGS, apps=APPS, urlconf="cyclades.project.urls",
                                  fault_formats=FAULT_FORMATS))
