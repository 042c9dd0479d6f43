"""The standard middleware order every service uses (outermost first)."""

MIDDLEWARE = [
    "snf_common.django.middleware.RequestIdMiddleware",
    "snf_common.django.middleware.FaultMiddleware",
    "snf_common.django.auth.TokenAuthMiddleware",
]
