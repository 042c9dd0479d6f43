"""The one client library for every Synnefo API, used by services and kamaki alike.

One class per API (identity, object_store, compute, network, image, volume), one
method per operation, returning plain data or raising a ClientError that
carries the API's fault.
"""

from snf_common.clients.base import ClientError, HttpClient

__all__ = ["ClientError", "HttpClient"]
