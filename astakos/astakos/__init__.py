"""Astakos: identity, tokens, quotas with commissions, projects."""
