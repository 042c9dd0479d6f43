"""Django settings for pithos: defaults -> SNF_SETTINGS_DIR/*.conf -> SNF_* environment."""

from pithos.defaults import APPS, FAULT_FORMATS, SETTINGS
from snf_common.django.project import service_settings

globals().update(service_settings("pithos", SETTINGS, apps=APPS, urlconf="pithos.project.urls",
                                  fault_formats=FAULT_FORMATS))
