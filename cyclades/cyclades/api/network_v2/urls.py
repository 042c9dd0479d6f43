"""URL table of the Network API (/network/v2.0/...); `.json` suffixes are accepted."""

from django.urls import re_path

from cyclades.api.network_v2 import views

SUFFIX = r"(?:\.json)?/?$"

urlpatterns = [
    re_path(r"^$", views.v2),
    re_path(r"^extensions" + SUFFIX, views.extensions),
    re_path(r"^networks" + SUFFIX, views.network_collection),
    re_path(r"^(?P<collection>networks|subnets|ports|floatingips)/detail" + SUFFIX,
            views.collection_detail),
    re_path(r"^networks/(?P<network_id>[^/.]+)" + SUFFIX, views.network_item),
    re_path(r"^subnets" + SUFFIX, views.subnet_collection),
    re_path(r"^subnets/(?P<subnet_id>[^/.]+)" + SUFFIX, views.subnet_item),
    re_path(r"^ports" + SUFFIX, views.port_collection),
    re_path(r"^ports/(?P<port_id>[^/.]+)" + SUFFIX, views.port_item),
    re_path(r"^floatingips" + SUFFIX, views.floating_ip_collection),
    re_path(r"^floatingips/(?P<fip_id>[^/.]+)" + SUFFIX, views.floating_ip_item),
]
