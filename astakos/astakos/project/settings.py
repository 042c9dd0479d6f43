"""Django settings for astakos: defaults -> SNF_SETTINGS_DIR/*.conf -> SNF_* environment."""

from astakos.defaults import APPS, CORS_MIDDLEWARE, FAULT_FORMATS, SETTINGS, UI_MIDDLEWARE
from snf_common.django.project import service_settings
from snf_common.django.stack import MIDDLEWARE

globals().update(service_settings("astakos", SETTINGS, apps=APPS, urlconf="astakos.project.urls",
                                  fault_formats=FAULT_FORMATS,
                                  middleware=MIDDLEWARE[:1] + CORS_MIDDLEWARE + MIDDLEWARE[1:]
                                  + UI_MIDDLEWARE))

# The UI session holds the API token it shows: keep it in the user's own (signed,
# HttpOnly) cookie rather than in the database, where a reader would find every
# logged-in user's live token. Logging out revokes that token.
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
