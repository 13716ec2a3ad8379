"""``threads = "all"``: the CPUs this process may use, from its affinity and its cgroup CPU quota.

The facts are passed in: an affinity count, and fake ``/proc/self`` and cgroup trees under ``tmp_path``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict

import pytest

from runner.system import cpus
from tests.conftest import REPO

V2_MOUNTINFO = "35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw\n"
V1_MOUNTINFO = (
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
)


def tree(root: Path, files: Dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize("affinity, quotas, count", [
    (4, [], 4),                                    # no quota: the affinity mask
    (8, [(2.0, "a")], 2),                          # --cpus 2 on an 8-CPU host
    (8, [(1.5, "a")], 1),                          # rounded down
    (8, [(0.5, "a")], 1),                          # at least one
    (2, [(6.0, "a")], 2),                          # --cpuset-cpus 0,1 under a larger quota
    (16, [(4.0, "parent"), (3.0, "child")], 3),    # the smallest along the path
])
def test_the_smaller_of_affinity_and_quota_rounded_down_at_least_one(affinity, quotas, count):
    limits = cpus.usable(affinity, quotas)
    assert limits.count == count and limits.affinity == affinity
    assert limits.quota == (min(q for q, _ in quotas) if quotas else None)


def test_cgroup_v2_quota_of_the_process_and_its_ancestors(tmp_path):
    root = tree(tmp_path, {
        "proc/self/cgroup": "0::/kubepods/pod1/ctr\n",
        "proc/self/mountinfo": V2_MOUNTINFO,
        "sys/fs/cgroup/cpu.max": "max 100000\n",
        "sys/fs/cgroup/kubepods/cpu.max": "max 100000\n",
        "sys/fs/cgroup/kubepods/pod1/cpu.max": "300000 100000\n",
        "sys/fs/cgroup/kubepods/pod1/ctr/cpu.max": "250000 100000\n",
    })
    limits = cpus.read(root, affinity=16)
    assert (limits.count, limits.quota) == (2, 2.5)
    assert limits.quota_file.endswith("kubepods/pod1/ctr/cpu.max")


def test_cgroup_v2_in_a_container_namespace(tmp_path):
    """Inside a cgroup namespace the process is at ``/`` and the container's limit is the mount's own."""
    root = tree(tmp_path, {"proc/self/cgroup": "0::/\n", "proc/self/mountinfo": V2_MOUNTINFO,
                           "sys/fs/cgroup/cpu.max": "150000 100000\n"})
    assert cpus.read(root, affinity=64).count == 1


def test_cgroup_v1_cfs_quota(tmp_path):
    root = tree(tmp_path, {
        "proc/self/cgroup": "5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n",
        "proc/self/mountinfo": V1_MOUNTINFO,
        "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us": "-1\n",
        "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000\n",
        "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "300000\n",
        "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
    })
    limits = cpus.read(root, affinity=8)
    assert (limits.count, limits.quota) == (3, 3.0)


def test_a_host_path_outside_the_mount_root_reads_the_mount_point(tmp_path):
    """A v1 container without a cgroup namespace sees the host's path; its own cgroup is mounted at the root."""
    root = tree(tmp_path, {
        "proc/self/cgroup": "4:cpu,cpuacct:/docker/abc\n",
        "proc/self/mountinfo": "32 31 0:29 /docker/xyz /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n",
        "sys/fs/cgroup/cpu/cpu.cfs_quota_us": "200000\n", "sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
    })
    assert cpus.read(root, affinity=8).count == 2


@pytest.mark.parametrize("files", [
    {},                                                                  # no /proc at all
    {"proc/self/cgroup": "0::/\n", "proc/self/mountinfo": V2_MOUNTINFO},  # no cpu.max (the host's root cgroup)
    {"proc/self/cgroup": "0::/\n", "proc/self/mountinfo": V2_MOUNTINFO, "sys/fs/cgroup/cpu.max": "garbage"},
])
def test_no_readable_quota_means_the_affinity_mask(tmp_path, files):
    limits = cpus.read(tree(tmp_path, files), affinity=6)
    assert (limits.count, limits.quota, limits.quota_file) == (6, None, "")


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs sched_setaffinity (Linux)")
def test_threads_all_follows_the_affinity_of_the_process_not_the_machine():
    """A process pinned to one CPU resolves ``all`` to 1 on any machine (``os.cpu_count()`` would not)."""
    code = textwrap.dedent("""
        import os
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        from runner import config
        print(config.load("smoke", None, {"threads": ["all"]}).threads)
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(1,)"
