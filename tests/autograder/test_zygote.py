"""The grading worker's zygote keeps serving whatever a request, a signal or a thread does.

A zygote that stops takes every later submission of its worker down with it ("zygote is not
running"), so each way it could stop is exercised here against a real zygote process.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from autograder import worker
from autograder import zygote as zyg

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def zygote(tmp_path):
    z = zyg.Zygote([], env=dict(os.environ), cwd=tmp_path, log=tmp_path / "zygote.log")
    z.start(timeout=120)
    yield z
    z.close()


def test_kill_uid_survives_the_zygotes_sigchld_reaper():
    """The zygote's SIGCHLD handler reaps every child. When the killer ended before the wait for it
    began (a loaded machine deschedules the zygote right after the fork), or while the wait was
    interrupted by the kernel's own death, the handler reaped the killer, the wait failed with ECHILD
    and the zygote ended. Forced here: SIGCHLD arrives after the killer has ended, before the wait."""
    script = textwrap.dedent(
        """
        import os, signal, sys, time
        from autograder import zygote as zyg

        exits = {}
        signal.signal(signal.SIGCHLD, lambda *_: zyg._reap_children(exits))
        real = os.waitpid

        def waitpid(pid, options):
            if options == 0:  # the blocking wait for the killer
                for _ in range(500):
                    try:
                        with open(f"/proc/{pid}/stat") as fh:
                            if fh.read().rsplit(")", 1)[1].split()[0] == "Z":
                                break
                    except FileNotFoundError:  # already reaped by the handler
                        break
                    time.sleep(0.01)
                os.kill(os.getpid(), signal.SIGCHLD)  # as the kernel's death would
            return real(pid, options)

        os.waitpid = waitpid
        zyg._kill_uid(61999)
        print("survived")
        """
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "survived" in out.stdout, out.stderr[-2000:]


def test_a_garbled_or_unknown_request_is_answered_and_the_zygote_keeps_serving(zygote):
    assert zygote.proc is not None and zygote.proc.stdin is not None
    with getattr(zygote, "_lock", contextlib.nullcontext()):
        zygote.proc.stdin.write("this is not json\n")
        zygote.proc.stdin.flush()
        garbled = zygote.proc.stdout.readline()
    assert "unreadable request" in garbled
    assert "unknown request" in zygote._call({"op": "no-such-op"}, timeout=30)["error"]
    assert zygote._call({"op": "kill_uid"}, timeout=30)["error"].startswith("kill_uid failed: KeyError")
    assert zygote.alive
    assert zygote.exit_status(123456789) is None
    assert zygote._call({"op": "exit_status", "pid": 1}, timeout=30) == {"status": None}


def test_requests_from_several_threads_each_get_their_own_answer(zygote):
    """The kernel manager polls from its event loop while it starts kernels from an executor thread;
    requests in flight at once must not read each other's answers."""
    errors: list[str] = []

    def hammer(i: int) -> None:
        for j in range(40):
            try:
                if (i + j) % 2:
                    answer = zygote._call({"op": "exit_status", "pid": 10_000_000 + i}, timeout=20)
                    ok = answer == {"status": None}
                else:
                    answer = zygote._call({"op": "no-such-op"}, timeout=20)
                    ok = "unknown request" in answer.get("error", "")
                if not ok:
                    errors.append(f"thread {i} request {j}: {answer}")
            except zyg.ZygoteError as exc:
                errors.append(f"thread {i} request {j}: {exc}")

    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors[:5]
    assert zygote.alive


def test_a_dead_zygote_is_reported_as_such_not_as_a_broken_pipe(zygote):
    zygote.proc.kill()
    zygote.proc.wait()
    with pytest.raises(zyg.ZygoteError, match="not running"):
        zygote._call({"op": "exit_status", "pid": 1})


class _FakeZygote:
    def __init__(self) -> None:
        self.alive = True


def test_a_submission_graded_while_the_zygote_stopped_is_graded_again(monkeypatch):
    first = worker.JobResult("s1", "h", "error", reason="the kernel failed: ZygoteError: zygote is not running",
                             scratch="/nonexistent/first")
    second = worker.JobResult("s1", "h", "graded", reason="ok", score=9.0, max_score=9.0, scratch="/nonexistent/second")
    attempts = iter([first, second])
    discarded = []
    monkeypatch.setitem(worker._STATE, "zygote", _FakeZygote())
    monkeypatch.setattr(worker, "_grade_once", lambda job: next(attempts))
    monkeypatch.setattr(worker, "discard", discarded.append)
    job = worker.Job("s1", "/nonexistent", "h")
    result = worker.grade_job(job)
    assert (result.status, result.score) == ("graded", 9.0)
    assert discarded == ["/nonexistent/first"]
    assert any("graded a second time" in note and "zygote is not running" in note for note in result.record["notes"])


def test_a_submission_graded_without_trouble_is_graded_once(monkeypatch):
    calls = []

    def once(job):
        calls.append(job)
        return worker.JobResult("s1", "h", "graded", reason="kernel died in k_anonymity", score=6.0)

    monkeypatch.setitem(worker._STATE, "zygote", _FakeZygote())
    monkeypatch.setattr(worker, "_grade_once", once)
    result = worker.grade_job(worker.Job("s1", "/nonexistent", "h"))
    assert len(calls) == 1 and result.score == 6.0 and "notes" not in result.record
