"""Submissions of 00_orientation that try to break or cheat the grader, with the marks they must get.

``build_corpus(folder, ...)`` writes honest and hostile submissions in nbgrader's layout
(``folder/<student>/00_orientation/<files>``) and returns, per student, what the batch must give:
the status, the exact score, and a phrase the reason must contain. The marks for the hostile
ones are "zero, or what their honest cells earn": a hostile cell costs its own question only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.samples import ORIENTATION_WRONG_K as WRONG_K
from autograder.samples import ORIENTATION_WRONG_RR as WRONG_RR
from autograder.testing import notebook_with_answers, release_notebook, solution_answers

A = "00_orientation"

INFINITE_LOOP = "while True:\n    pass\n"
SLEEP = "import time\ntime.sleep(10**6)\n"
DEAF_LOOP = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n"
# A cell whose interrupt handler waits for a process the cell started: unless the grader kills the
# cell's processes before it interrupts, the kernel cannot answer and the whole run ends (what a
# fork bomb's copies did to an interrupted kernel on a busy machine).
HELD_INTERRUPT = (
    "import signal, subprocess, sys\n"
    "_child = subprocess.Popen([sys.executable, '-c', 'import signal, time; "
    "signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(1000)'])\n"
    "def _hold(*_):\n"
    "    _child.wait()\n"
    "    raise KeyboardInterrupt\n"
    "signal.signal(signal.SIGINT, _hold)\n"
    "while True:\n"
    "    pass\n"
)
MEMORY_BOMB = "_hog = [bytearray(64 * 2**20) for _ in range(10**6)]\n"
FORK_BOMB = "import os\nwhile True:\n    os.fork()\n"
# Where RLIMIT_NPROC cannot bind the kernel (root without a throw-away uid), a bounded bomb: 2**7 processes.
BOUNDED_FORK_BOMB = "import os\nfor _ in range(7):\n    os.fork()\n"
SYS_EXIT = "import sys\nsys.exit()\n"
OS_EXIT = "\nimport os\nos._exit(0)\n"
SELF_KILL = "\nimport os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"
BIG_OUTPUT = "\nprint('x' * 200_000_000)\n"

FAKE_SCORE = '''
print("test_threat_model: 3/3\\ntest_rr_epsilon_values: 2/2\\ntest_rr_epsilon_edges: 1/1\\ntest_k_anonymity: 3/3\\n"
      "TOTAL SCORE: 9/9")
import json, os
with open("grades.json", "w") as fh:
    json.dump({"score": 9, "max_score": 9}, fh)

def randomized_response_epsilon(p_truth):
    import sys
    sys.displayhook(2.0)  # shows a number as the test cell's result: nbgrader reads it as partial credit
    raise NotImplementedError()
'''

# Module-level patches of the reference, the delegation check, the assert helpers and builtins.
PATCH_REFERENCE_RR = '''
import builtins, math
import numpy.testing
import ppml_lab.dp
import autograder.checks

def randomized_response_epsilon(p_truth):
    return 0.0

ppml_lab.dp.randomized_response_epsilon = randomized_response_epsilon
autograder.checks.assert_own_implementation = lambda f, ref, *a, **k: f(*a, **k)
numpy.testing.assert_allclose = lambda *a, **k: None
builtins.abs = lambda x: 0.0
math.isclose = lambda *a, **k: True
'''
PATCH_REFERENCE_K = '''
import ppml_lab.anonymity

def k_anonymity_level(df, quasi_identifiers):
    return 1

ppml_lab.anonymity.k_anonymity = k_anonymity_level
'''
# Patches installed *while the test runs* (inside the answer), and answers equal to anything.
PATCH_DURING_CALL_RR = '''
def randomized_response_epsilon(p_truth):
    import builtins
    builtins.abs = lambda x: 0.0  # every later check of a difference now passes
    if not 0.0 <= p_truth <= 1.0:
        raise ValueError("p_truth")
    if p_truth == 1.0:
        return math.inf
    return math.log(3) if p_truth == 0.5 else p_truth  # right where the visible checks look only
'''
ALWAYS_EQUAL_K = '''
class _Anything(int):
    def __eq__(self, other):
        return True
    __hash__ = int.__hash__

def k_anonymity_level(df, quasi_identifiers):
    return _Anything(0)
'''
# Hide every error from the grader: an input transformer that replaces each later cell by `pass`.
HIDE_ERRORS = '''
def randomized_response_epsilon(p_truth):
    raise NotImplementedError()

get_ipython().input_transformers_cleanup.append(lambda lines: ["pass\\n"])
'''

READ_SOLUTION = '''
import glob, json, os, pathlib
import ppml_lab
_found = []
_kit = pathlib.Path(ppml_lab.__file__).resolve().parent.parent
for _pattern in [str(_kit / "solutions/*/*.ipynb"), "/tmp/*/00_orientation.ipynb",
                 "/tmp/**/source_with_tests/**/*.ipynb", "/tmp/**/gradebook.db", "*.ipynb", "../*/*.ipynb"]:
    _found += glob.glob(_pattern, recursive=True)
for _path in _found:
    if _path.endswith(".ipynb"):
        try:
            for _cell in json.load(open(_path))["cells"]:
                _src = "".join(_cell["source"])
                if "BEGIN SOLUTION" in _src:
                    exec(_src, globals())
        except Exception:
            pass
print("files found:", len(_found))
'''

# Read the hidden tests from the notebook copy beside the kernel, and precompute their answers with the
# reference before any check watches: delegation the check cannot see, if the copy were there.
PRECOMPUTE_HIDDEN = '''
import json, os, re
from ppml_lab.dp import randomized_response_epsilon as _ref
_table = {}
for _name in os.listdir("."):
    if _name.endswith(".ipynb"):
        for _cell in json.load(open(_name))["cells"]:
            _match = re.search(r"for _p in \\[(.*?)\\]", "".join(_cell["source"]))
            if _match:
                _table.update({_p: _ref(_p) for _p in eval("[" + _match.group(1) + "]")})

def randomized_response_epsilon(p_truth):
    return _table.get(p_truth, p_truth)
'''

WRITE_GRADEBOOK = '''
import os, sqlite3, pathlib
_targets = {TARGETS}
_here = pathlib.Path.cwd()
_targets += [str(p / "gradebook.db") for p in [_here, *_here.parents]]
_targets += [str(p / "private" / "gradebook.db") for p in _here.parents]
_done = []
for _path in _targets:
    try:
        _db = sqlite3.connect(_path)
        _db.execute("UPDATE grade SET auto_score = 999")
        _db.commit()
        _done.append(_path)
    except Exception:
        pass
    try:
        with open(_path, "r+b") as _fh:
            _fh.write(b"corrupted by a submission")
        _done.append(_path)
    except Exception:
        pass
# Links planted where nbgrader will write the graded notebook.
for _i, _path in enumerate(_targets):
    try:
        os.symlink(_path, "planted-%d.db" % _i)
    except OSError:
        pass
try:
    os.remove("00_orientation.ipynb")
    os.symlink(_targets[0], "00_orientation.ipynb")
except OSError:
    pass
print("written:", _done)
'''


PROBE = '''
import json, os, resource, socket, pathlib, ppml_lab
_kit = pathlib.Path(ppml_lab.__file__).resolve().parent.parent
_facts = {"uid": os.getuid(), "env": sorted(os.environ), "cwd": sorted(os.listdir(".")),
          "tmp": sorted(os.listdir("/tmp")), "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0],
          "address_space": resource.getrlimit(resource.RLIMIT_AS)[0]}
_facts["solutions_visible"] = (_kit / "solutions" / "00_orientation" / "00_orientation.ipynb").exists()
_facts["grading_visible"] = any(pathlib.Path(p).exists() for p in {GRADING})
try:
    socket.create_connection(("127.0.0.1", {PORT}), timeout=2).close()
    _facts["host_port_reachable"] = True
except OSError:
    _facts["host_port_reachable"] = False
try:
    (_kit / "ppml_lab" / "written-by-a-submission.py").write_text("x = 1")
    _facts["kit_writable"] = True
except OSError:
    _facts["kit_writable"] = False
print("PROBE " + json.dumps(_facts))
'''


@dataclass(frozen=True)
class Expected:
    """What the batch must give one student: the status, the exact score, and a phrase the reason
    (or notes) must contain; a tuple of phrases when the grader can legitimately stop the submission
    in more than one way (any one of them must appear)."""

    status: str
    score: float
    reason: str | tuple[str, ...] = ""

    def explained_by(self, reason: str) -> bool:
        """True when ``reason`` contains the expected phrase (or one of them)."""
        phrases = (self.reason,) if isinstance(self.reason, str) else self.reason
        return any(phrase in reason for phrase in phrases)


# The ways the sandbox stops a fork bomb and still grades the rest of the notebook: a fork or a
# thread is refused because the process limit is reached (EAGAIN from RLIMIT_NPROC or a pids limit:
# "Resource temporarily unavailable", as the cell's BlockingIOError or as a forked copy's message on
# stderr), or memory runs out (ENOMEM), and/or the grader kills what the cell left running. Which of
# these the reason shows depends on timing (did the forked copies end by themselves before the
# sweep?), so any one of them explains the marks; the marks themselves must be exact.
FORK_BOMB_STOPPED = (
    "process(es) the cell left behind",
    # On a busy machine the bomb may still be spawning when the cell's clock runs out.
    "rr_epsilon exceeded the cell time limit",
    "rr_epsilon: BlockingIOError: [Errno 11] Resource temporarily unavailable",
    "rr_epsilon: wrote to stderr: Resource temporarily unavailable",
    "rr_epsilon: OSError: [Errno 12] Cannot allocate memory",
)


def _set_cell(nb, grade_id: str, source: str) -> None:
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
            return
    raise KeyError(grade_id)


def _write(folder: Path, student: str, nb=None, *, name: str = f"{A}.ipynb", raw: bytes | None = None) -> None:
    target = folder / student / A
    target.mkdir(parents=True, exist_ok=True)
    if raw is not None:
        (target / name).write_bytes(raw)
    else:
        nbformat.write(nb, target / name)


def build_corpus(folder: Path, *, gradebook_paths: list[str], nproc_binds: bool, port: int = 9) -> dict[str, Expected]:
    """Write the honest and hostile submissions into ``folder``; return the expected outcomes.

    ``gradebook_paths`` are the class's grading files (a hostile submission tries to write them);
    ``port`` is a TCP port listening on the grader's loopback (the probe tries to reach it).
    """
    answers = solution_answers(A)
    good_tm, good_rr, good_k = answers["threat_model"], answers["rr_epsilon"], answers["k_anonymity"]

    def with_answers(rr: str = good_rr, k: str = good_k, tm: str = good_tm):
        return notebook_with_answers(A, {"threat_model": tm, "rr_epsilon": rr, "k_anonymity": k})

    expected: dict[str, Expected] = {}

    def add(student: str, nb, exp: Expected) -> None:
        _write(folder, student, nb)
        expected[student] = exp

    # Honest submissions: exactly what nbgrader gives them.
    add("honest-full", with_answers(), Expected("graded", 9))
    add("honest-blank", release_notebook(A), Expected("graded", 0, "NotImplementedError"))
    add("honest-wrongk", with_answers(k=WRONG_K), Expected("graded", 6, "test_k_anonymity: AssertionError"))
    add("honest-wrongrr", with_answers(rr=WRONG_RR), Expected("graded", 7, "test_rr_epsilon_values"))

    # Runaway code: the hostile cell costs its own question; the rest is still graded.
    add("rt-infinite-loop", with_answers(rr=INFINITE_LOOP), Expected("graded", 6, "cell time limit"))
    add("rt-sleep", with_answers(rr=SLEEP), Expected("graded", 6, "cell time limit"))
    add("rt-deaf-loop", with_answers(rr=DEAF_LOOP), Expected("graded", 3, "stopped answering"))
    add("rt-held-interrupt", with_answers(rr=HELD_INTERRUPT), Expected("graded", 6, "killed 1 process(es)"))
    add("rt-memory-bomb", with_answers(rr=MEMORY_BOMB), Expected("graded", 6, "MemoryError"))
    bomb = FORK_BOMB if nproc_binds else BOUNDED_FORK_BOMB
    add("rt-fork-bomb", with_answers(rr=bomb), Expected("graded", 6, FORK_BOMB_STOPPED))
    add("rt-big-output", with_answers(rr=good_rr + BIG_OUTPUT), Expected("graded", 9, "characters dropped"))

    # Ending the kernel: marks earned before the end stay.
    add("rt-sys-exit", with_answers(rr=SYS_EXIT), Expected("graded", 6, "SystemExit"))
    add("rt-os-exit", with_answers(k=good_k + OS_EXIT), Expected("graded", 6, "kernel died in k_anonymity"))
    add("rt-self-kill", with_answers(k=good_k + SELF_KILL), Expected("graded", 6, "kernel died in k_anonymity"))

    # Faking the grade.
    add("rt-fake-score", with_answers(rr=FAKE_SCORE, k="pass"),
        Expected("graded", 3, "dropped a result this test cell never computes"))
    nb = with_answers(rr=WRONG_RR, k=WRONG_K)
    for gid in ("test_rr_epsilon_values", "test_rr_epsilon_edges", "test_k_anonymity"):
        _set_cell(nb, gid, "pass  # all good")
    add("rt-edit-tests", nb, Expected("graded", 4, "test_k_anonymity: AssertionError"))
    nb = with_answers(rr=WRONG_RR, k=WRONG_K)
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id") == "test_k_anonymity":
            meta["grade_id"], meta["points"] = "free_points", 100
            cell.source = "pass"
    add("rt-edit-grade-id", nb, Expected("graded", 4, "grade id 'free_points', which the assignment does not have"))
    nb = with_answers(k=WRONG_K)
    nb.cells = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") != "test_k_anonymity"]
    add("rt-delete-test", nb, Expected("graded", 6, "test_k_anonymity: AssertionError"))

    # Tampering with what the hidden tests rely on.
    add("rt-patch-reference", with_answers(rr=PATCH_REFERENCE_RR, k=PATCH_REFERENCE_K),
        Expected("graded", 3, "undid patches to"))
    add("rt-patch-during-call", with_answers(rr=PATCH_DURING_CALL_RR),
        Expected("graded", 7, "test_rr_epsilon_values: TamperingDetected"))
    add("rt-always-equal", with_answers(k=ALWAYS_EQUAL_K), Expected("graded", 6, "TamperingDetected"))
    add("rt-hide-errors", with_answers(rr=HIDE_ERRORS, k=WRONG_K), Expected("graded", 3, "TamperingDetected"))

    # Reaching outside the kernel.
    add("rt-precompute-hidden", with_answers(rr=PRECOMPUTE_HIDDEN), Expected("graded", 6, "test_rr_epsilon_values"))
    add("rt-read-solution", with_answers(rr=READ_SOLUTION, k="pass"), Expected("graded", 3, "NameError"))
    targets = json.dumps(gradebook_paths)
    add("rt-write-gradebook", with_answers(rr=WRITE_GRADEBOOK.replace("{TARGETS}", targets), k="pass"),
        Expected("graded", 3, "NameError"))

    # A full-marks submission with one more cell that reports what the kernel can see and do.
    nb = with_answers()
    nb.cells.append(nbformat.v4.new_code_cell(
        PROBE.replace("{GRADING}", json.dumps(gradebook_paths)).replace("{PORT}", str(port))))
    add("probe-sandbox", nb, Expected("graded", 9))

    # Files that are not gradeable notebooks.
    _write(folder, "bad-invalid-json", raw=b'{"cells": [ this is not json')
    expected["bad-invalid-json"] = Expected("failed", 0, "invalid JSON")
    _write(folder, "bad-empty", raw=b"")
    expected["bad-empty"] = Expected("failed", 0, "empty file")
    _write(folder, "bad-wrong-name", with_answers(), name="Untitled.ipynb")
    expected["bad-wrong-name"] = Expected("failed", 0, "wrong notebook name")
    return expected
