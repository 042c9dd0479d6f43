"""Pithos: object and file storage on content-addressed blocks (Swift API + extensions)."""
