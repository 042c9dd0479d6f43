"""One-time console tickets: a VNC password that opens one server's console once."""

from __future__ import annotations

from django.db import models


class ConsoleTicket(models.Model):
    server_id = models.BigIntegerField(db_index=True)
    # The proxy must compute the DES response, so it needs the password itself;
    # it lives for seconds and is deleted the moment it is used.
    password = models.CharField(max_length=8)
    host = models.CharField(max_length=255)          # the instance's VNC server (Ganeti node)
    port = models.PositiveIntegerField()
    expires = models.DateTimeField(db_index=True)
    created = models.DateTimeField(auto_now_add=True)
