"""Libraries shared by every Synnefo service, the cluster-side tools and kamaki.

snf_common imports no service: services, hooks and the CLI import it.
"""
