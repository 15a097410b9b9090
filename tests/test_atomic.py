"""A build killed at any moment (kill -9) leaves the previous site complete and unchanged."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import ROOT

#: Runs build.py's main with every step that touches the disk announced on stdout and
#: held for a moment, so the test can kill the build exactly between two steps.
SLOW_BUILD = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])

    def announce(name, original):
        def step(*args, **kwargs):
            print(name, flush=True)
            time.sleep(0.05)
            return original(*args, **kwargs)
        return step

    Path.write_bytes = announce("write", Path.write_bytes)
    os.symlink = announce("symlink", os.symlink)
    os.replace = announce("replace", os.replace)
    import build
    sys.exit(build.main(["--out", sys.argv[2]]))
""")


def snapshot(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def built_site(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    site = tmp_path / "site"
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "--out", str(site)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return site, snapshot(site)


def steps_of_a_slow_build(site: Path) -> list[str]:
    done = subprocess.run([sys.executable, "-c", SLOW_BUILD, str(ROOT), str(site)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[:-1]  # the last line is the summary


def kill_after(site: Path, step: int) -> None:
    """Start a slow build and kill -9 it while it holds after its ``step``-th disk step."""
    process = subprocess.Popen([sys.executable, "-c", SLOW_BUILD, str(ROOT), str(site)], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(step):
            assert process.stdout.readline(), "the build ended before the step"
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        process.kill()
        process.stdout.close()


def kill_points(steps: list[str], sample: int = 20) -> list[int]:
    """The steps to kill a build after: each step that is not a file written into the new build's
    folder, and of the run of those writes, all alike (one a page or a file of the search index),
    the first ones, every ``sample``-th and the last ones. Killing after each of some 260 writes,
    one build started for each, would take half an hour."""
    writes = [n for n, step in enumerate(steps, 1) if step == "write"]
    chosen = set(writes[:5] + writes[-3:] + writes[::sample])
    return sorted(n for n, step in enumerate(steps, 1) if step != "write" or n in chosen)


def test_kill_points_keep_every_kind_of_step_and_a_sample_of_the_writes():
    steps = ["write"] * 100 + ["symlink", "replace"]
    assert kill_points(steps) == [1, 2, 3, 4, 5, 21, 41, 61, 81, 98, 99, 100, 101, 102]


def test_a_build_killed_between_two_disk_steps_of_every_kind_leaves_the_previous_site_whole(tmp_path):
    site, before = built_site(tmp_path)
    steps = steps_of_a_slow_build(tmp_path / "probe" / "site")
    assert steps.count("write") >= 8 and steps[-2:] == ["symlink", "replace"], steps
    for step in kill_points(steps):
        kill_after(site, step)
        assert snapshot(site) == before, f"killed at step {step} ({steps[step - 1]})"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_build_killed_at_a_random_moment_leaves_the_previous_site_whole(tmp_path, seed):
    site, before = built_site(tmp_path)
    delay = random.Random(seed).uniform(0.05, 0.6)
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--out", str(site)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert snapshot(site) == before, f"killed after {delay:.2f} s"


def test_the_build_after_a_killed_one_clears_what_it_left(tmp_path):
    site, before = built_site(tmp_path)
    kill_after(site, 3)
    builds = site.parent / ".site-builds"
    assert len(list(builds.iterdir())) == 2  # the live build and the half-written one
    site, after = built_site(tmp_path)
    assert after == before and [p.name for p in builds.iterdir()] == [Path(os.readlink(site)).name]
