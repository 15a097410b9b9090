"""A build killed at any moment (kill -9) leaves the previous site complete and unchanged."""
from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import ROOT, snapshot

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

    os.open = announce("open", os.open)
    os.symlink = announce("symlink", os.symlink)
    os.replace = announce("replace", os.replace)
    import build
    sys.exit(build.main(["--out", sys.argv[2]]))
""")


def built_site(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    site = tmp_path / "site"
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "--out", str(site)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return site, snapshot(site)


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


#: What writing the site does to the disk, step by step.
DISK_STEPS = ((os, "mkdir"), (os, "open"), (os, "fchmod"), (os, "write"), (os, "close"), (os, "link"),
              (Path, "write_text"), (Path, "chmod"), (Path, "rename"), (os, "utime"), (os, "symlink"),
              (os, "replace"), (os, "rename"), (os, "unlink"))


@contextlib.contextmanager
def counted_steps(after_each):
    """Every disk step runs, then ``after_each(number)`` is called."""
    count = 0
    originals = [(owner, name, getattr(owner, name)) for owner, name in DISK_STEPS]

    def counting(original):
        def step(*args, **kwargs):
            nonlocal count
            result = original(*args, **kwargs)
            count += 1
            after_each(count)
            return result
        return step

    for owner, name, original in originals:
        setattr(owner, name, counting(original))
    try:
        yield lambda: count
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


@pytest.mark.parametrize("spare", [True, False], ids=["made in the spare", "made anew"])
def test_a_build_killed_between_any_two_disk_steps_leaves_the_previous_site_whole(tmp_path, spare):
    """kill -9 after each disk step of writing the site in turn: a forked copy of this process,
    holding the files of the build, writes them and kills itself right after that step. Each
    write starts from the same state: the live build, and the one before it kept as the spare
    that the next build is made in (or no spare: the build is made in a new directory)."""
    from build import build
    from edition.write import builds_dir, digests_of, publish

    site, before = built_site(tmp_path)
    files = build(ROOT / "source" / "frus1969-76ve13-d171.xml", None)  # what build.py --out writes
    # one page changed: written anew, every other file kept in the spare or linked from the live build
    files["names.html"] = files["names.html"].replace(b"</main>", b"<p>A change.</p></main>")
    new = {**before, "names.html": files["names.html"]}
    hashed_before, hashed = digests_of(before), digests_of(files)  # as build.py hands them to the writing

    def starting_state() -> None:
        publish(before, site, hashed_before)
        publish(before, site, hashed_before)  # the live build, and the one before it kept
        if not spare:
            live = site.resolve()
            for entry in builds_dir(site).iterdir():
                if entry.name not in (live.name, live.name + ".digests"):
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        assert snapshot(site) == before

    def in_a_child(after_each) -> tuple[int, int]:
        """Write the site in a forked copy of this process: (its exit status, the steps it took)."""
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            try:
                with counted_steps(after_each) as steps:
                    publish(files, site, hashed)
                os.write(write, str(steps()).encode())
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            taken = pipe.read()
        return os.waitpid(pid, 0)[1], int(taken or 0)

    starting_state()
    status, total = in_a_child(lambda n: None)  # a whole write, to count its steps
    assert status == 0 and total > 5 and snapshot(site) == new
    seen = []
    for step in range(1, total + 1):
        starting_state()
        status, _ = in_a_child(lambda n: n == step and os.kill(os.getpid(), signal.SIGKILL))
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, f"step {step}: {status}"
        found = snapshot(site)
        # the previous site whole until the switch, the new one whole after it (old builds being cleared)
        assert found in (before, new), f"killed after disk step {step} of {total}: a mix of two builds"
        seen.append(found == new)
        # and the build after it writes the new site whole, whatever was left half-made
        publish(files, site, hashed)
        assert snapshot(site) == new, f"the build after a kill at step {step} of {total}"
    assert not seen[0] and seen[-1] and seen == sorted(seen)  # before the switch, then after it


def test_the_built_files_are_what_build_py_writes(tmp_path):
    from build import build

    site, before = built_site(tmp_path)
    assert {path: data for path, data in build(ROOT / "source" / "frus1969-76ve13-d171.xml", None).items()} == before


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
    assert len([p for p in builds.iterdir() if p.is_dir()]) == 2  # the live build and the half-written one
    site, after = built_site(tmp_path)
    live = Path(os.readlink(site)).name
    spare = {p.name for p in builds.iterdir()} - {live, live + ".digests"}  # the build before, for the next
    assert after == before and len(spare) == 2 and not any(p.name.endswith(".digests") and p.stem not in spare
                                                             for p in builds.iterdir() if p.name in spare)


def test_a_site_written_in_steps_switches_only_when_finished_and_keeps_no_stale_file(tmp_path):
    """The build writes its pages while Pagefind finishes (write.Publication): the live site stays as it
    was until the switch; a path added again with other bytes is a bug, never a stale page kept; a
    build given up is removed whole."""
    from edition.write import Publication, builds_dir, digest_of, publish

    site = tmp_path / "site"
    publish({"index.html": b"old"}, site)
    publication = Publication(site)
    publication.add({"index.html": b"new"}, {"index.html": digest_of(b"new")})
    assert snapshot(site) == {"index.html": b"old"}
    with pytest.raises(ValueError, match="index.html"):
        publication.add({"index.html": b"newer"}, {"index.html": digest_of(b"newer")})
    publication.add({"index.html": b"new", "pagefind/index.json": b"{}"})
    publication.finish()
    assert snapshot(site) == {"index.html": b"new", "pagefind/index.json": b"{}"}

    given_up = Publication(site)
    given_up.add({"index.html": b"other"})
    given_up.abandon()
    assert snapshot(site) == {"index.html": b"new", "pagefind/index.json": b"{}"}
    assert not given_up.build.exists() and site.resolve().parent == builds_dir(site).resolve()
