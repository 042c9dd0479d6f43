"""HTTP APIs of Astakos: Keystone v3 and v2.0, and the Synnefo Account API (v1.0)."""
