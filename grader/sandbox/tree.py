"""The sandbox's file tree: the interpreter, its standard library, the system libraries it
links against and the allowed packages — read-only, at fixed paths under /sandbox.

Nothing else of the host is there: no /etc, no /home, no project files, no instance folder,
no database file, no /bin/sh. Paths are worked out once from the running interpreter, so the
same code serves a virtualenv, a pyenv build and the Docker image's /usr/local Python.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import sys
import sysconfig
from functools import lru_cache
from pathlib import Path

RUNNER = Path(__file__).with_name("runner.py")
# What each allowed module needs on top of itself (torch's imports at start-up).
PACKAGES: dict[str, tuple[str, ...]] = {
    "math": (),
    "numpy": ("numpy",),
    "torch": ("numpy", "torch", "torchgen", "functorch", "typing_extensions"),
}
MODULES = frozenset(PACKAGES)


class TreeError(RuntimeError):
    """A piece the sandbox needs is not on this machine."""


def _package_paths(name: str) -> list[Path]:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise TreeError(f"the package {name} is not installed")
    origin = Path(spec.origin)
    if origin.name == "__init__.py":
        paths = [origin.parent]
        libs = origin.parent.with_name(origin.parent.name + ".libs")  # wheels' vendored .so
        if libs.is_dir():
            paths.append(libs)
        return paths
    return [origin]


def _system_libraries() -> list[str]:
    """glibc and the libraries the interpreter and packages link against: the multiarch
    directory only where there is one (Debian), not the rest of /usr/lib (programs live there)."""
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    dirs = [f"/usr/lib/{multiarch}", f"/lib/{multiarch}"] if multiarch else []
    dirs = [d for d in dirs if os.path.isdir(d)]
    if not dirs:
        dirs = ["/usr/lib", "/lib"]
    args: list[str] = []
    seen: set[str] = set()
    for d in [*dirs, "/usr/lib64", "/lib64"]:
        real = os.path.realpath(d)
        if os.path.isdir(real) and real not in seen:
            seen.add(real)
            args += ["--ro-bind", real, real]
    for link in ("/lib", "/lib64"):
        if os.path.islink(link):
            args += ["--symlink", os.readlink(link), link]
    return args


@lru_cache(maxsize=4)
def bind_args(modules: frozenset[str]) -> tuple[str, ...]:
    """bubblewrap arguments that build the read-only tree for code allowed ``modules``."""
    exe = Path(os.path.realpath(sys.executable))
    stdlib = Path(os.__file__).parent  # the base interpreter's, not a virtualenv's
    args: list[str] = ["--ro-bind", str(exe), "/sandbox/python"]
    # /sandbox/lib/python3.X/os.py is the landmark from which Python finds its home.
    args += ["--ro-bind", str(stdlib), f"/sandbox/lib/{stdlib.name}"]
    libdir = sysconfig.get_config_var("LIBDIR") or ""
    for lib in sorted(glob.glob(os.path.join(libdir, "libpython3*.so*"))):
        args += ["--ro-bind", lib, f"/sandbox/lib/{os.path.basename(lib)}"]
    args += _system_libraries()
    seen: set[str] = set()
    for module in sorted(modules):
        for package in PACKAGES[module]:
            for path in _package_paths(package):
                if path.name not in seen:
                    seen.add(path.name)
                    args += ["--ro-bind", str(path), f"/sandbox/site/{path.name}"]
    args += ["--ro-bind", str(RUNNER), "/sandbox/runner.py"]
    return tuple(args)
