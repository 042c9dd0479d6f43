"""Drop the per-process token cache when what a token answers may have changed.

Saves of users (state), their groups (roles), projects (the scope's name) and
token rows (revocation, expiry) go through the ORM and reach these receivers; bulk `.update()` calls
do not, so the functions that use them call `cache.forget()` themselves.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from astakos.identity.models import User
from astakos.projects.models import Project
from astakos.tokens import cache
from astakos.tokens.models import Token


@receiver(post_save, sender=User, dispatch_uid="astakos-token-cache-user")
def _user_saved(sender, instance: User, created: bool, **kwargs) -> None:
    if not created:
        cache.forget()


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="astakos-token-cache-groups")
def _groups_changed(sender, action: str, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        cache.forget()


@receiver(post_save, sender=Token, dispatch_uid="astakos-token-cache-token")
def _token_saved(sender, instance: Token, created: bool, **kwargs) -> None:
    if not created:
        cache.forget()


@receiver(post_delete, sender=Token, dispatch_uid="astakos-token-cache-token-delete")
def _token_deleted(sender, **kwargs) -> None:
    cache.forget()


@receiver(post_save, sender=Project, dispatch_uid="astakos-token-cache-project")
def _project_saved(sender, instance: Project, created: bool, **kwargs) -> None:
    if not created:
        cache.forget()  # a token's body names its project
