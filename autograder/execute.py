"""nbgrader's execute step, run in a sandboxed kernel with limits and tamper checks.

``GuardedExecute`` replaces nbgrader's ``Execute`` in ``Autograde.autograde_preprocessors``; every
other step of ``nbgrader autograde`` (restoring locked cells and hidden tests from the gradebook,
saving grades) is nbgrader's own. What it adds:

* kernels come from ``autograder.sandbox`` (limits, hidden files, no network, own user id);
* a wall-clock limit per cell and per notebook; a kernel that dies or stops answering ends the run,
  and every graded cell not run gets an error output saying why (so it scores zero, with a reason);
* output caps: a cell that prints more than ``output_bytes`` keeps only the beginning;
* processes a cell left behind (a fork bomb's children) are killed after the cell;
* before each graded test cell the guard restores what learner code patched; after a passing one
  the canaries check that the pass is real (see ``autograder.guard``);
* an ``execute_result`` in a graded cell whose own code ends with no expression is dropped: nbgrader
  reads a number there as partial credit, and learner code can print one;
* the copy of the notebook nbgrader leaves in the kernel's folder (hidden tests restored) is removed
  before the kernel starts; after the kernel is gone, the folder is cleaned of links and special
  files before nbgrader writes into it (a planted symbolic link must not redirect its writes).

A record of what happened (per cell: seconds, outcome, reason, canary verdicts) is left in
``LAST_RECORD`` for the grading worker.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import secrets
import time
from pathlib import Path
from typing import Any

from nbclient.client import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader import utils as nbgrader_utils
from nbgrader.preprocessors import Execute
from traitlets import Bool, Dict, Float, Integer

from autograder import sandbox, standalone
from autograder.guard import poison_expectations, poison_source
from autograder.kernels import SandboxKernelManager
from autograder.records import (
    CellRecord,
    NotebookRecord,
    ends_with_expression,
    error_output,
    failure_reason,
    first_line,
    output_size,
    sanitize_folder,
)

CANARY_FAIL_LINE = "raise AssertionError('ppml-lab canary: an honest run must fail here')"
RESTORE_CODE = "import autograder.guard as _ppml_guard\n_ppml_guard.restore()\ndel _ppml_guard\n"
REAP_CODE = "import autograder.guard as _ppml_guard\n_ppml_guard.reap_children()\ndel _ppml_guard\n"
VERDICT_EXPR = "__import__('autograder.guard', fromlist=['last_verdict']).last_verdict()"
RESTORED_EXPR = "__import__('autograder.guard', fromlist=['last_restored']).last_restored()"
CANARY_MEANING = {
    "c1": "errors are being hidden (a failing statement appended to the test did not fail)",
    "c2": "the test passes against a deliberately wrong reference (the reference, the assertion "
    "helpers or builtins were tampered with)",
    "c3": "the test passes against deliberately wrong expected values (the answer compares equal to anything)",
}


LAST_RECORD: NotebookRecord | None = None


class GuardedExecute(Execute):
    """nbgrader's ``Execute`` with a sandboxed kernel, limits and tamper checks."""

    notebook_timeout = Float(900.0, help="wall-clock seconds for the whole notebook").tag(config=True)
    output_bytes = Integer(10_000_000, help="characters of output kept per cell").tag(config=True)
    tamper_checks = Bool(True, help="restore patched modules and run canaries on passing tests").tag(config=True)
    auto_calibrate = Bool(
        False,
        help="when no canary plan is given, calibrate one on the master notebook (cached in the grading "
        "folder) instead of only recording verdicts; plain nbgrader autograde turns this on",
    ).tag(config=True)
    canary_timeout_factor = Float(
        5.0, help="a canary may run this many times as long as the graded cell it re-runs took"
    ).tag(config=True)
    canary_timeout_floor = Float(60.0, help="seconds a canary may always run, however quick its cell").tag(
        config=True
    )
    canary_plan = Dict(
        None,
        allow_none=True,
        help="per grade id, which canaries to trust ({'c1': bool, 'c2': bool}); None runs all and "
        "only records verdicts (calibration)",
    ).tag(config=True)

    def create_kernel_manager(self):
        if sandbox.current_or_none() is None:  # plain nbgrader: its own kernel, no sandbox
            return super().create_kernel_manager()
        if not self.kernel_name:
            self.kernel_name = self.nb.metadata.get("kernelspec", {}).get("name", "python3")
        self.km = SandboxKernelManager(kernel_name=self.kernel_name, config=self.config)
        return self.km

    async def _async_handle_timeout(self, timeout: int, cell: NotebookNode | None = None):
        """Before nbgrader interrupts a cell that ran out of time, kill what the cell started: a fork
        bomb's copies would otherwise keep the machine busy and the interrupted kernel could not
        answer within the IOPub wait, which ends the whole run."""
        box, pid = sandbox.current_or_none(), self._kernel_pid()
        if box is not None and pid is not None:
            killed = await asyncio.get_running_loop().run_in_executor(None, box.kill_strays, pid)
            self._killed_at_timeout = getattr(self, "_killed_at_timeout", 0) + killed
        return await super()._async_handle_timeout(timeout, cell)

    def _get_timeout(self, cell: NotebookNode | None) -> int | None:
        return max(1, int(getattr(self, "_timeout_now", self.timeout or 60)))

    def output(self, outs, msg, display_id, cell_index):  # noqa: D102 - nbclient hook
        content = msg.get("content", {})
        if msg.get("msg_type") == "stream" and len(content.get("text", "")) > self.output_bytes:
            # cut before nbformat validates the output: validating hundreds of MB takes seconds
            dropped = len(content["text"]) - self.output_bytes
            content["text"] = content["text"][: self.output_bytes]
            self._out_dropped[cell_index] = self._out_dropped.get(cell_index, 0) + dropped
        if "dropped]" in content.get("text", "") and "[ppml-lab: output beyond" in content.get("text", ""):
            self._out_dropped.setdefault(cell_index, 0)
        out = super().output(outs, msg, display_id, cell_index)
        if out is None:
            return None
        used = self._out_used.get(cell_index, 0)
        size = output_size(out)
        if used + size <= self.output_bytes:
            self._out_used[cell_index] = used + size
            return out
        outs.remove(out)
        room = max(0, self.output_bytes - used)
        if out.get("output_type") == "stream" and room:
            out["text"] = out["text"][:room]
            outs.append(out)
        elif out.get("output_type") == "error":
            out["evalue"] = str(out.get("evalue", ""))[:2000]
            out["traceback"] = [t[:2000] for t in out.get("traceback", [])[:50]]
            outs.append(out)
        self._out_used[cell_index] = self.output_bytes
        self._out_dropped[cell_index] = self._out_dropped.get(cell_index, 0) + size - room
        if cell_index not in self._out_noted:
            self._out_noted.add(cell_index)
            outs.append(
                NotebookNode(
                    output_type="stream",
                    name="stdout",
                    text=f"\n[ppml-lab: output beyond {self.output_bytes:,} characters was dropped]\n",
                )
            )
        return None

    # -- running ------------------------------------------------------------------------------

    def preprocess(self, nb, resources=None, km=None):  # noqa: D102 - nbconvert hook
        global LAST_RECORD
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self.shutdown_kernel = "immediate"
        self.record = NotebookRecord()
        LAST_RECORD = self.record
        self._out_used: dict[int, int] = {}
        self._out_dropped: dict[int, int] = {}
        self._out_noted: set[int] = set()
        self._restored_seen: set[str] = set()
        self._timeout_now = self.timeout
        start = time.monotonic()
        self._deadline = start + self.notebook_timeout
        box = sandbox.current_or_none()
        local = box is None
        if local:
            box = standalone.LocalBox()
            assignment = self.resources.get("nbgrader", {}).get("assignment")
            if self.auto_calibrate and not self.canary_plan and self.tamper_checks and assignment:
                self.canary_plan = standalone.canary_plan(assignment, self)
                LAST_RECORD = self.record
        folder = Path(self.resources.get("metadata", {}).get("path") or ".")
        notebook_file = folder / f"{self.resources.get('nbgrader', {}).get('notebook', '')}.ipynb"
        with contextlib.suppress(FileNotFoundError):
            # nbgrader left the notebook here with the hidden tests restored; the kernel must not read them
            notebook_file.unlink()
        try:
            with self.setup_kernel():
                self._timeout_now = min(self.timeout, 120)
                info = self.wait_for_reply(self.kc.kernel_info())
                if info is None:
                    raise DeadKernelError("the kernel did not answer its first request")
                self.record.timings.append(("kernel start", time.monotonic() - start))
                self.nb.metadata["language_info"] = info["content"]["language_info"]
                if local and self.tamper_checks:  # what the zygote does before any learner code exists
                    self._timeout_now = min(self.timeout, 300)
                    self._silent(standalone.snapshot_code(standalone.preload_for(self.resources, self.nb)))
                for index, cell in enumerate(self.nb.cells):
                    self._run_cell(cell, index, box)
        except Exception as exc:  # the kernel could not start, or died outside a cell
            if not self.record.stop_reason:
                self.record.kernel_error = f"{type(exc).__name__}: {exc}"
                self.record.stop_reason = f"the kernel failed: {type(exc).__name__}: {first_line(str(exc))}"
        finally:
            box.kill_all()
        for index, cell in enumerate(self.nb.cells):
            if self._graded(cell) and self.record.cells.get(self._gid(cell), CellRecord("")).outcome == "not run":
                self._mark_not_run(cell, index)
        for cell_index, dropped in self._out_dropped.items():
            amount = f"{dropped:,} characters of output" if dropped else "output"
            self.record.notes.append(f"cell {cell_index}: {amount} beyond {self.output_bytes:,} characters dropped")
        removed = sanitize_folder(folder)
        if removed:
            self.record.notes.append("removed links or special files left by the notebook: " + ", ".join(removed))
        with contextlib.suppress(FileNotFoundError):
            notebook_file.unlink()  # nbgrader writes a fresh file, never through one the learner touched
        self.record.seconds = time.monotonic() - start
        self.set_widgets_metadata()
        return self.nb, self.resources

    @staticmethod
    def _gid(cell: NotebookNode) -> str:
        return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")

    @staticmethod
    def _graded(cell: NotebookNode) -> bool:
        return cell.cell_type == "code" and nbgrader_utils.is_grade(cell) and not nbgrader_utils.is_solution(cell)

    def _mark_not_run(self, cell: NotebookNode, index: int) -> None:
        reason = self.record.stop_reason or "not run"
        cell.outputs = [error_output("NotRun", f"this test did not run: {reason}")]
        rec = self.record.cells.setdefault(self._gid(cell), CellRecord(self._gid(cell)))
        rec.outcome, rec.reason = "failed", f"not run: {reason}"

    def _stop(self, reason: str) -> None:
        if not self.record.stop_reason:
            self.record.stop_reason = reason

    def _run_cell(self, cell: NotebookNode, index: int, box: sandbox.KernelSandbox) -> None:
        if cell.cell_type != "code" or not cell.source.strip():
            return
        graded = self._graded(cell)
        gid = self._gid(cell)
        label = gid or f"cell {index}"
        if graded:
            self.record.cells[gid] = CellRecord(gid)
        if self.record.stop_reason:
            return
        remaining = self._deadline - time.monotonic()
        if remaining < 1:
            self._stop(f"the notebook exceeded its {self.notebook_timeout:.0f} s time limit")
            return
        by_notebook = remaining < self.timeout
        self._timeout_now = min(self.timeout, remaining)
        if graded and self.tamper_checks:
            self._note_restored(self._silent(RESTORE_CODE, {"restored": RESTORED_EXPR}), label)
        t0 = time.monotonic()
        try:
            self.execute_cell(cell, index, store_history=True)
        except DeadKernelError:
            cell.outputs.append(error_output("KernelDied", "the kernel died while running this cell"))
            self._stop(f"the kernel died in {label} (it exited, was killed, or ran out of memory)")
        except CellTimeoutError:
            limit = "notebook" if by_notebook else "cell"
            cell.outputs.append(error_output("CellTimeoutError", f"no answer within the {limit} time limit"))
            self._stop(f"{label} exceeded the {limit} time limit and the kernel stopped answering")
            box.kill_all()
        seconds = time.monotonic() - t0
        self.record.timings.append((label, seconds))
        if any(o.get("ename") == "CellTimeoutError" for o in cell.outputs if o.get("output_type") == "error"):
            limit = (
                f"notebook time limit ({self.notebook_timeout:.0f} s)"
                if by_notebook
                else f"cell time limit ({self.timeout} s)"
            )
            self.record.notes.append(f"{label} exceeded the {limit}")
        killed, self._killed_at_timeout = getattr(self, "_killed_at_timeout", 0), 0
        if not self.record.stop_reason and (pid := self._kernel_pid()) is not None:
            killed += box.kill_strays(pid)
            if killed:
                self.record.notes.append(f"{label}: killed {killed} process(es) the cell left behind")
                self._silent(REAP_CODE)  # their zombies would hold the process limit
        if not graded:
            if nbgrader_utils.is_solution(cell) and (why := failure_reason(cell)):
                self.record.notes.append(f"{label}: {why}")
            return
        rec = self.record.cells[gid]
        rec.seconds = seconds
        if standalone.show_stderr_as_notes(cell):
            self.record.notes.append(f"{gid}: output on stderr shown as a note, not marked")
        self._drop_fake_results(cell, rec)
        if not self.record.stop_reason and self.tamper_checks and not failure_reason(cell):
            self._check_canaries(cell, rec)
        reason = failure_reason(cell)
        rec.outcome = "failed" if reason else "passed"
        rec.reason = reason

    def _note_restored(self, content: dict[str, Any] | None, label: str) -> None:
        names: list[str] = []
        with contextlib.suppress(Exception):
            names = json.loads(ast.literal_eval(content["user_expressions"]["restored"]["data"]["text/plain"]))
        fresh = [n for n in names if n not in self._restored_seen]
        self._restored_seen.update(fresh)
        if fresh:
            self.record.notes.append(f"before {label}: undid patches to " + ", ".join(fresh[:8])
                                     + (f" and {len(fresh) - 8} more" if len(fresh) > 8 else ""))

    def _kernel_pid(self) -> int | None:
        prov = getattr(self.km, "provisioner", None)
        return getattr(prov, "pid", None)

    def _silent(self, code: str, user_expressions: dict[str, str] | None = None) -> dict[str, Any] | None:
        msg_id = self.kc.execute(
            code, silent=True, store_history=False, user_expressions=user_expressions or {}, allow_stdin=False
        )
        reply = self.wait_for_reply(msg_id)
        return None if reply is None else reply.get("content", {})

    def _drop_fake_results(self, cell: NotebookNode, rec: CellRecord) -> None:
        if ends_with_expression(cell.source):
            return
        kept = [o for o in cell.outputs if o.get("output_type") != "execute_result"]
        if len(kept) != len(cell.outputs):
            cell.outputs = kept
            self.record.notes.append(f"{rec.grade_id}: dropped a result this test cell never computes")

    def _check_canaries(self, cell: NotebookNode, rec: CellRecord) -> None:
        plan = None if self.canary_plan is None else self.canary_plan.get(rec.grade_id, {})
        cases: dict[str, str] = {}
        for name, make in (("c2", poison_source), ("c3", poison_expectations)):
            if plan is None or plan.get(name):
                variant = make(cell.source)
                if variant:
                    cases[name] = variant
        # hidden errors make c2 and c3 pass as well: c1 is needed only where they do not apply
        if plan is None or (plan.get("c1") and not cases):
            cases["c1"] = cell.source.rstrip() + "\n\n" + CANARY_FAIL_LINE + "\n"
        if not cases:
            return
        # a canary re-runs a cell that has just finished: it gets a few times that cell's time, never
        # the whole cell limit per canary (a stuck fork would cost minutes on every graded cell)
        budget = max(self.canary_timeout_floor, self.canary_timeout_factor * rec.seconds)
        timeout = max(1.0, min(float(self.timeout), budget, self._deadline - time.monotonic()))
        nonce = secrets.token_hex(8)
        code = (
            "import autograder.guard as _ppml_guard\n"
            f"_ppml_guard.run_canaries({json.dumps(cases)}, {timeout!r}, {nonce!r})\n"
            "del _ppml_guard\n"
        )
        self._timeout_now = timeout * len(cases) + 10
        content = self._silent(code, {"verdict": VERDICT_EXPR}) or {}
        answer: dict[str, Any] = {}
        with contextlib.suppress(Exception):
            answer = json.loads(ast.literal_eval(content["user_expressions"]["verdict"]["data"]["text/plain"]))
        verdicts = answer.get("verdicts", {}) if answer.get("nonce") == nonce else {}
        rec.canaries = {name: str(verdicts.get(name, "missing")) for name in cases}
        if plan is None:
            return  # calibration: record only
        tripped = sorted(name for name in cases if rec.canaries[name] == "pass")
        missing = sorted(name for name in cases if rec.canaries[name] in ("missing", "unavailable"))
        if not verdicts:
            cell.outputs.append(
                error_output(
                    "TamperingDetected",
                    "marks withheld: the kernel did not run the grader's check of this test (cells are "
                    "being rewritten, or the grader's modules were replaced)",
                )
            )
        elif tripped:
            cell.outputs.append(
                error_output("TamperingDetected", "marks withheld: " + "; ".join(CANARY_MEANING[n] for n in tripped))
            )
        elif missing:
            cell.outputs.append(
                error_output(
                    "VerificationFailed",
                    "marks withheld: the grader could not re-check this test (" + ", ".join(missing) + ")",
                )
            )
