"""Catalog parsing from Keystone v3 and v2.0 token bodies."""

import pytest

from snf_common.clients.base import ClientError
from snf_common.clients.catalog import Catalog, parse_catalog

V3 = {"token": {"catalog": [
    {"type": "compute", "name": "nova", "endpoints": [
        {"interface": "public", "region_id": "r1", "url": "http://pub/compute/v2.1"},
        {"interface": "admin", "region_id": "r1", "url": "http://adm/compute/v2.1"},
        {"interface": "public", "region_id": "r2", "url": "http://r2/compute/v2.1"}]},
    {"type": "volumev3", "name": "cinder", "endpoints": [
        {"interface": "public", "region": "r1", "url": "http://pub/volume/v3/p"}]}]}}

V2 = {"access": {"serviceCatalog": [
    {"type": "object-store", "name": "swift", "endpoints": [
        {"publicURL": "http://pub/object-store/v1/u", "adminURL": "http://adm/os",
         "region": "default", "versionId": "v1"}]},
    {"type": "account", "name": "astakos_account", "endpoints": [
        {"publicURL": "http://pub/account/v1.0", "versionId": "v1.0"}]}]}}


def test_v3_picks_public_interface_by_default():
    assert Catalog.from_token_body(V3).url_for("compute") == "http://pub/compute/v2.1"


def test_v3_filters_by_interface_and_region():
    catalog = Catalog.from_token_body(V3)
    assert catalog.url_for("compute", interface="admin") == "http://adm/compute/v2.1"
    assert catalog.url_for("compute", region="r2") == "http://r2/compute/v2.1"


def test_several_types_in_order_of_preference():
    catalog = Catalog.from_token_body(V3)
    assert catalog.url_for(("block-storage", "volumev3")) == "http://pub/volume/v3/p"


def test_v2_endpoints_become_one_record_per_interface():
    endpoints = parse_catalog(V2)
    assert {(e.service_type, e.interface) for e in endpoints} == {
        ("object-store", "public"), ("object-store", "admin"), ("account", "public")}
    catalog = Catalog(endpoints)
    assert catalog.url_for(name="astakos_account") == "http://pub/account/v1.0"
    assert catalog.find("account")[0].version == "v1.0"


def test_missing_service_raises_404_naming_the_query():
    with pytest.raises(ClientError) as err:
        Catalog.from_token_body(V2).url_for("compute", region="x")
    assert err.value.status == 404
    assert "type=compute" in err.value.message and "region=x" in err.value.message


def test_unknown_body_is_rejected():
    with pytest.raises(ValueError):
        parse_catalog({"something": 1})
