"""The development cluster: a single-process stand-in for a one-node Ganeti cluster.

It speaks the subset of RAPI v2 that Cyclades uses (HTTPS, basic auth, the JSON
shapes of real Ganeti 3.0), runs jobs asynchronously through Ganeti's job
lifecycle, writes job files in Ganeti's queue format (so snf-ganeti-eventd
follows it unchanged), and runs the same hook program, the same OS definition
(snf-image) and ExtStorage providers, with the environment Ganeti gives them.
Instances do not boot (like Ganeti's `fake` hypervisor); their disks are files.
"""
