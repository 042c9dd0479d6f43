"""The cloud dashboard: a static web UI at /ui/ whose JavaScript speaks only the public APIs."""
