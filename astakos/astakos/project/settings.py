"""Django settings for astakos: defaults -> SNF_SETTINGS_DIR/*.conf -> SNF_* environment."""

from astakos.defaults import APPS, FAULT_FORMATS, SETTINGS
from snf_common.django.project import service_settings

globals().update(service_settings("astakos", SETTINGS, apps=APPS, urlconf="astakos.project.urls",
                                  fault_formats=FAULT_FORMATS))
