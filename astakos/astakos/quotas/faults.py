"""Quota holder errors, carrying the `data` object the Synnefo Account API reports."""

from __future__ import annotations

from typing import Any

from snf_common.faults import BadRequest, ItemNotFound, OverLimit


class _WithData:
    data: dict[str, Any]

    def to_openstack(self) -> dict[str, Any]:
        body = {"code": self.status, "message": self.message, "data": self.data}
        return {self.name: body}


class NoCapacityError(_WithData, OverLimit):
    def __init__(self, message: str, *, provision: dict, limit: int, usage: int) -> None:
        super().__init__(message)
        self.data = {"name": "NoCapacityError", "provision": provision,
                     "limit": limit, "usage": usage}


class NoQuantityError(_WithData, OverLimit):
    def __init__(self, message: str, *, provision: dict, limit: int, usage: int) -> None:
        super().__init__(message)
        self.data = {"name": "NoQuantityError", "provision": provision,
                     "limit": limit, "usage": usage}


class NoHoldingError(_WithData, ItemNotFound):
    def __init__(self, message: str, *, provision: dict) -> None:
        super().__init__(message)
        self.data = {"name": "NoHoldingError", "provision": provision}


class InvalidProvision(_WithData, BadRequest):
    def __init__(self, message: str, *, provision: Any = None) -> None:
        super().__init__(message)
        self.data = {"name": "InvalidDataError", "provision": provision}
