"""Ganeti ExtStorage provider `archipelago`: Archipelago volumes as `ext` disks.

The provider's executables (archipelago/extstorage/{create,attach,...}) are one
line each: `python3 -m archipelago.extprovider <verb>`. Ganeti passes everything
in the environment (VOL_NAME, VOL_SIZE in MiB, VOL_NEW_SIZE, VOL_METADATA,
VOL_SNAPSHOT_NAME, EXTP_ORIGIN, ...); see docs/archipelago.md.
"""
