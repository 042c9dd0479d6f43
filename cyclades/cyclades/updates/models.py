"""Messages the dispatcher could not use, kept for inspection (the dead letters)."""

from __future__ import annotations

from django.db import models


class DeadLetter(models.Model):
    routing_key = models.CharField(max_length=255)
    body = models.BinaryField()
    reason = models.TextField()
    received = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
