"""VNC consoles: one-time tickets and the authenticating RFB proxy in front of Ganeti."""
