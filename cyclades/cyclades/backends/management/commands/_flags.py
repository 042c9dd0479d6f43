"""Shared by backend-drain/undrain/offline/online."""

import importlib

from cyclades.backends.models import Backend


def set_flag(ref: str, flag: str, value: bool) -> Backend:
    modify = importlib.import_module("cyclades.backends.management.commands.backend-modify")
    backend = modify.backend_by_ref(ref)
    setattr(backend, flag, value)
    backend.save(update_fields=[flag])
    return backend
