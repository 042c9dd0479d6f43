"""snf-image: the Ganeti OS definition that writes an image onto an instance's disk
and customises it (hostname, password, SSH keys, files) without mounting it."""
