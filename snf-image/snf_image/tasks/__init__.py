"""Customisation tasks, one module per OS family. Only Linux (ext2/3/4) exists so far:
Windows (unattend, NTFS) and the BSDs (UFS) need a helper VM and are not written."""
