"""Cyclades: compute, network, image and volume over Ganeti clusters."""
