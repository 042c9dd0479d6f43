"""Packages live one folder down (snf-common/snf_common, astakos/astakos, ...).

setup.cfg holds the metadata; this file only maps each top-level folder's
packages, which setup.cfg's static syntax cannot express for several roots.
"""

from setuptools import find_packages, setup

PACKAGE_FOLDERS = {
    "snf-common": "snf_common",
    "astakos": "astakos",
    "pithos": "pithos",
    "cyclades": "cyclades",
    "archipelago": "archipelago",
    "snf-image": "snf_image",
    "ganeti-hooks": "snf_ganeti",
    "kamaki": "kamaki",
    "deploy": "snf_deploy",
}

packages = []
package_dir = {}
for folder, top in PACKAGE_FOLDERS.items():
    package_dir[top] = f"{folder}/{top}"
    packages += [p for p in find_packages(folder) if p == top or p.startswith(top + ".")]

setup(packages=packages, package_dir=package_dir)
