"""One table for the Swift API: /object-store/v1/<account>/<container>/<object>,
/public/<token> and the capabilities at /object-store/info and /info."""

from django.urls import re_path

from pithos.api import accounts, containers, info, objects, public

urlpatterns = [
    # swiftclient asks <storage URL before /v1>/info; older clients ask /info at the root
    re_path(r"^(?:object-store/)?info/?$", info.info),
    re_path(r"^object-store/v1/?$", accounts.top),
    re_path(r"^object-store/v1/(?P<account>[^/]+)/?$", accounts.account),
    re_path(r"^object-store/v1/(?P<account>[^/]+)/(?P<container>[^/]+)/?$", containers.container),
    re_path(r"^object-store/v1/(?P<account>[^/]+)/(?P<container>[^/]+)/(?P<name>.+)$",
            objects.object_view),
    re_path(r"^public/(?P<token>[0-9A-Za-z]+)/?$", public.public_object),
]
