"""Feedback that never shows the hidden tests.

nbgrader builds a learner's feedback from the autograded notebook, which holds the hidden tests
(nbgrader puts them back before grading), so its HTML would show their source in the test cells and
again in every traceback. Once feedback goes back to a class, every later learner would have them.

`HideHiddenTests` runs first among ``GenerateFeedback``'s preprocessors (set in
``nbgrader_config.py``, so `ppml-lab grade` and plain ``nbgrader generate_feedback`` both use it):

* in a graded test cell, everything between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``
  is replaced by one comment line;
* an error output keeps its exception name and message (what failed and why) and loses its
  traceback, whose frames quote the cell's source;
* any other printed line that quotes a hidden-test line is dropped (warnings quote their source line).

Marks are untouched: they come from the gradebook, not from these cells.
"""

from __future__ import annotations

from collections.abc import Iterable

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Bool

BEGIN = "### BEGIN HIDDEN TESTS"
END = "### END HIDDEN TESTS"
PLACEHOLDER = "# (hidden tests: they ran at grading; the marks and messages below are theirs)"
# Lines shorter than this (")", "else:", "pass") say nothing about a test and occur everywhere.
MIN_QUOTED = 8


def split_hidden(source: str) -> tuple[str, list[str]]:
    """The source with each hidden block replaced by PLACEHOLDER, and the hidden lines it removed."""
    kept: list[str] = []
    hidden: list[str] = []
    inside = False
    for line in source.splitlines():
        marker = line.strip()
        if marker == BEGIN and not inside:
            inside = True
            kept.append(line[: len(line) - len(line.lstrip())] + PLACEHOLDER)
        elif marker == END and inside:
            inside = False
        elif inside:
            hidden.append(line)
        else:
            kept.append(line)
    if inside:
        raise ValueError(f"a test cell opens {BEGIN!r} and never closes it with {END!r}")
    return "\n".join(kept), hidden


def _quotes(line: str, hidden: Iterable[str]) -> bool:
    return any(h in line for h in hidden)


def is_test_cell(cell: NotebookNode) -> bool:
    """True for an nbgrader graded test cell (graded code that is not a solution)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution") and cell.get("cell_type") == "code"


class HideHiddenTests(Preprocessor):
    """Remove hidden-test source (and quotes of it) from a notebook before it becomes feedback."""

    # nbconvert skips a registered preprocessor unless it is enabled; this one must always run.
    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        hidden: set[str] = set()
        for cell in nb.cells:
            if is_test_cell(cell):
                cell.source, lines = split_hidden(cell.source)
                hidden.update(s for s in (x.strip() for x in lines) if len(s) >= MIN_QUOTED)
        visible = {x.strip() for cell in nb.cells for x in cell.source.splitlines()}
        hidden -= visible  # a line the learner can read anyway is no secret
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                _scrub_output(out, hidden)
        return nb, resources


def _scrub_output(out: NotebookNode, hidden: set[str]) -> None:
    kind = out.get("output_type")
    if kind == "error":
        out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
    elif kind == "stream":
        out["text"] = _drop_quoting_lines(out.get("text", ""), hidden)
    elif kind in ("execute_result", "display_data"):
        data = out.get("data", {})
        for mime in ("text/plain", "text/html", "text/markdown"):
            if mime in data:
                data[mime] = _drop_quoting_lines(data[mime], hidden)


def _drop_quoting_lines(text: str | list[str], hidden: set[str]) -> str:
    if isinstance(text, list):
        text = "".join(text)
    if not hidden:
        return text
    return "".join(line for line in text.splitlines(keepends=True) if not _quotes(line, hidden))
