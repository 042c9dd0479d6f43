"""The Astakos web UI under /ui/: login with every enabled provider, sign-up, profile, projects."""
