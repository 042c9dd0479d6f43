"""Django settings for astakos: defaults -> SNF_SETTINGS_DIR/*.conf -> SNF_* environment."""

from astakos.defaults import APPS, FAULT_FORMATS, SETTINGS, UI_MIDDLEWARE
from snf_common.django.project import service_settings
from snf_common.django.stack import MIDDLEWARE

globals().update(service_settings("astakos", SETTINGS, apps=APPS, urlconf="astakos.project.urls",
                                  fault_formats=FAULT_FORMATS,
                                  middleware=MIDDLEWARE + UI_MIDDLEWARE))
