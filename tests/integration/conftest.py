"""Fixtures of the integration tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest


@pytest.fixture
def tmpfs(tmp_path):
    """``tmpfs(size)``: a fresh tmpfs of that size under tmp_path; skipped where mount is not permitted,
    except where it is required (CI, which runs as root, sets EDGEBENCH_REQUIRE_MOUNT=1): there it fails."""
    mounted = []

    def make(size: str) -> Path:
        where = tmp_path / f"vol{len(mounted)}"
        where.mkdir()
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            if os.environ.get("CI") or os.environ.get("EDGEBENCH_REQUIRE_MOUNT") == "1":
                pytest.fail(f"mount -t tmpfs failed: {proc.stderr.strip()}")
            pytest.skip(f"mount is not permitted here: {proc.stderr.strip()}")
        mounted.append(where)
        return where

    yield make
    for where in mounted:
        subprocess.run(["umount", "-l", str(where)], check=False)
