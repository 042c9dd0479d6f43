"""Archipelago: the block layer shared by Pithos and volumes.

A content-addressed block store (filesystem and RADOS drivers), volume maps
with thin clones and snapshots, and the tools that plug it into Ganeti.
"""
