"""The extracted project's dependencies: imports -> distributions, pinned to this environment.

Reads installed package metadata (``importlib.metadata``) only; nothing is installed or fetched.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import metadata

#: import name -> distribution name, where they differ (checked before the slower metadata scan)
DISTRIBUTIONS = {
    "sklearn": "scikit-learn",
    "PIL": "Pillow",
    "yaml": "PyYAML",
    "cv2": "opencv-python",
    "bs4": "beautifulsoup4",
    "skimage": "scikit-image",
    "IPython": "ipython",
    "dateutil": "python-dateutil",
    "mpl_toolkits": "matplotlib",
    "google": "protobuf",
}


@cache
def distribution_of(module: str) -> str | None:
    """The distribution that provides top-level module ``module`` (None: standard library or
    not installed)."""
    if module in sys.stdlib_module_names or module == "__future__":
        return None
    guess = DISTRIBUTIONS.get(module, module)
    if _version(guess) is not None:
        return guess
    found = _packages_distributions().get(module)
    return found[0] if found else None


def requirements(
    modules: Iterable[str], installs: Iterable[str], pins: Mapping[str, str] | None = None
) -> tuple[list[str], list[str]]:
    """``(requirements, unknown modules)``: one ``name==version`` per distribution the modules
    come from and per ``!pip install`` requirement. ``pins`` (normalised name -> requirement)
    keeps the specifiers of an earlier extraction, so that ``--check`` does not depend on the
    environment it runs in."""
    wanted: dict[str, str] = {}
    unknown = []
    for module in sorted(set(modules)):
        dist = distribution_of(module)
        if dist is None:
            if module not in sys.stdlib_module_names and module != "__future__":
                unknown.append(module)
            continue
        wanted.setdefault(normalise(dist), dist)
    for spec in installs:
        name = re.split(r"[\s<>=!~;\[@]", spec, maxsplit=1)[0]
        if name:
            wanted[normalise(name)] = spec
    out = []
    for key, spec in sorted(wanted.items()):
        if pins and key in pins:
            out.append(pins[key])
        elif re.search(r"[<>=!~@]", spec):
            out.append(spec)
        else:
            version = _version(spec)
            out.append(f"{spec}=={version}" if version else spec)
    return out, unknown


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def _version(dist: str) -> str | None:
    """The installed version of ``dist``: the ``Version`` header of its metadata, read up to it
    (``importlib.metadata.version`` parses the whole file with the email parser, a few ms each)."""
    try:
        found = metadata.distribution(dist)
    except metadata.PackageNotFoundError:
        return None
    for line in (found.read_text("METADATA") or found.read_text("PKG-INFO") or "").splitlines():
        if not line.strip():  # the end of the headers
            break
        name, _, value = line.partition(":")
        if name.strip().lower() == "version":
            return value.strip()
    return found.version


@cache
def _packages_distributions() -> Mapping[str, list[str]]:
    return metadata.packages_distributions()
