"""Django glue shared by the three services: settings, middleware, auth, health."""
