"""The service installs as a package: `pip install .` into a fresh virtual environment gives a
`grader` command that does what `python -m grader` does, migrations and templates included."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from tests.helpers import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_package_list_names_every_package_in_the_tree():
    on_disk = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "grader").rglob("__init__.py")
        if "__pycache__" not in path.parts
    }
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert listed - {"grader.migrations", "grader.migrations.versions"} == on_disk
    assert PYPROJECT["project"]["scripts"] == {"grader": "grader.cli:main"}


def _source_copy(dest: Path) -> Path:
    """The files git would commit (tracked and new, not ignored), so the build leaves the
    working tree alone."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def _fresh_venv(where: Path) -> Path:
    """A new virtual environment that borrows this one's installed dependencies (a .pth file)
    instead of downloading them again; only `grader` itself is installed into it."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


@pytest.mark.slow
def test_pip_install_into_a_fresh_venv_gives_a_working_grader_command(tmp_path):
    source = _source_copy(tmp_path / "source")
    python = _fresh_venv(tmp_path / "venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADER_", "PYTHON"))}
    env["GRADER_INSTANCE_PATH"] = str(tmp_path / "instance")
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index"]
        + ["--quiet", str(source)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stdout + install.stderr

    grader = tmp_path / "venv" / "bin" / "grader"
    helped = subprocess.run([str(grader), "--help"], cwd=tmp_path, env=env, capture_output=True)
    assert helped.returncode == 0
    same = subprocess.run(
        [str(python), "-m", "grader", "--help"], cwd=tmp_path, env=env, capture_output=True
    )
    assert helped.stdout == same.stdout and b"serve" in helped.stdout

    where = subprocess.run(
        [str(python), "-c", "import grader.db.migrate as m; print(m.__file__, m.MIGRATIONS)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(Path(p).is_relative_to(tmp_path / "venv") for p in where)  # not the source tree

    upgraded = subprocess.run(
        [str(grader), "db", "upgrade"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert upgraded.returncode == 0, upgraded.stderr
    assert "revision" in upgraded.stdout + upgraded.stderr
    package = Path(where[0]).parents[1]
    assert (package / "web" / "templates" / "base.html").is_file()
    assert (package / "web" / "static" / "app.css").is_file()
    assert (package / "lti" / "static" / "lti.js").is_file()
