"""The cluster side of the update path: the Ganeti hook, the job-queue event daemon,
the build-progress reporter, and the development cluster (a Ganeti RAPI look-alike).

Nothing here imports Django or a cloud service: a Ganeti node has neither.
"""
