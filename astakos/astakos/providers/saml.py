"""SAML 2.0 (Shibboleth and any other IdP): Astakos is the service provider, through pysaml2.

Flow: /ui/login/saml redirects to the IdP with an AuthnRequest (HTTP-Redirect);
the IdP posts the signed Response to /ui/saml/acs (HTTP-POST), where pysaml2
checks the signature (xmlsec1), audience, destination and InResponseTo. The
SP's metadata, to hand to the IdP, is at /ui/saml/metadata.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.conf import settings
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.response import StatusError, UnsolicitedResponse
from saml2.s_utils import UnknownPrincipal, UnsupportedBinding
from saml2.sigver import SignatureError

from astakos.providers.base import Identity
from snf_common.faults import BadRequest, ServiceUnavailable

log = logging.getLogger(__name__)

MODULE = "saml"


def entity_id(base_url: str) -> str:
    return settings.ASTAKOS_SAML_ENTITY_ID or f"{base_url}/ui/saml/metadata"


def sp_config(base_url: str) -> SPConfig:
    conf: dict[str, Any] = {
        "entityid": entity_id(base_url),
        "xmlsec_binary": settings.ASTAKOS_SAML_XMLSEC_BINARY,
        "allow_unknown_attributes": True,
        "metadata": {"local": list(settings.ASTAKOS_SAML_IDP_METADATA)},
        "service": {"sp": {
            "name": "Astakos",
            "endpoints": {"assertion_consumer_service": [
                (f"{base_url}/ui/saml/acs", BINDING_HTTP_POST)]},
            "allow_unsolicited": False,
            "authn_requests_signed": bool(settings.ASTAKOS_SAML_KEY_FILE),
            "want_assertions_signed": settings.ASTAKOS_SAML_WANT_ASSERTIONS_SIGNED,
            "want_response_signed": False,
        }},
    }
    if settings.ASTAKOS_SAML_KEY_FILE:
        conf["key_file"] = settings.ASTAKOS_SAML_KEY_FILE
        conf["cert_file"] = settings.ASTAKOS_SAML_CERT_FILE
        conf["encryption_keypairs"] = [{"key_file": settings.ASTAKOS_SAML_KEY_FILE,
                                        "cert_file": settings.ASTAKOS_SAML_CERT_FILE}]
    config = SPConfig()
    config.load(conf)
    return config


def client(base_url: str) -> Saml2Client:
    return Saml2Client(config=sp_config(base_url))


def metadata_xml(base_url: str) -> str:
    text = create_metadata_string(None, config=sp_config(base_url))
    return text.decode() if isinstance(text, bytes) else text


def _idp_entity_id(saml_client: Saml2Client) -> str:
    if settings.ASTAKOS_SAML_IDP_ENTITY_ID:
        return settings.ASTAKOS_SAML_IDP_ENTITY_ID
    idps = list(saml_client.metadata.identity_providers())
    if not idps:
        raise ServiceUnavailable("No SAML identity provider is configured.")
    return idps[0]


def new_request_id() -> str:
    return "id-" + secrets.token_hex(20)  # an xs:ID must not start with a digit


def start(base_url: str, relay_state: str, request_id: str) -> str:
    """The IdP URL to send the browser to, carrying a new AuthnRequest with `request_id`."""
    saml_client = client(base_url)
    _, info = saml_client.prepare_for_authenticate(
        entityid=_idp_entity_id(saml_client), relay_state=relay_state,
        binding=BINDING_HTTP_REDIRECT, message_id=request_id)
    return dict(info["headers"])["Location"]


def _first(ava: dict[str, list], name: str) -> str:
    values = ava.get(name) or []
    return str(values[0]) if values and name else ""


def complete(base_url: str, saml_response: str, outstanding: dict[str, str]) -> Identity:
    """The identity a posted SAMLResponse asserts; BadRequest when it does not verify."""
    if not saml_response:
        raise BadRequest("No SAMLResponse in the request.")
    try:
        response = client(base_url).parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding=outstanding)
    except (SignatureError, UnsolicitedResponse, StatusError, UnknownPrincipal,
            UnsupportedBinding, ValueError) as exc:
        log.info("SAML response rejected: %s: %s", type(exc).__name__, exc)
        raise BadRequest(f"The identity provider's answer was not accepted "
                         f"({type(exc).__name__}).") from None
    except Exception as exc:  # pysaml2 raises many undocumented types for bad input
        log.info("SAML response rejected: %s: %s", type(exc).__name__, exc)
        raise BadRequest("The identity provider's answer was not accepted.") from None
    if response is None:
        raise BadRequest("The identity provider's answer was not accepted.")
    ava = response.get_identity()
    amap = settings.ASTAKOS_SAML_ATTRIBUTES
    name_id = response.name_id.text if response.name_id is not None else ""
    identifier = _first(ava, amap.get("identifier", "")) or name_id
    if not identifier:
        raise BadRequest("The identity provider sent no user identifier.")
    return Identity(module=MODULE, identifier=identifier,
                    email=_first(ava, amap.get("email", "")),
                    first_name=_first(ava, amap.get("first_name", "")),
                    last_name=_first(ava, amap.get("last_name", "")),
                    display_name=_first(ava, amap.get("display_name", "")),
                    info={"issuer": response.issuer(), "name_id": name_id})
