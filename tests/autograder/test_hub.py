"""A course on the kit's JupyterHub (autograder/hub/), end to end, with real processes on loopback.

What is real: the hub (``jupyterhub -f autograder/hub/jupyterhub_config.py``), its proxy, the log-in
accounts of an instructor and two students, each user's own single-user server started through the
hub's REST API with that user's token, and nbgrader's exchange folder. Students act only through their
servers, behind the proxy: nbgrader's assignment-list endpoints (what JupyterLab's Assignments tab
calls) fetch and submit, and the contents API saves the filled notebook. The instructor's steps are
the commands an instructor types in a terminal of their server (``nbgrader release_assignment``,
``nbgrader collect``, ``ppml-lab grade --export``), run here as processes with that server's home
folder and settings; then the instructor's formgrader (its REST API, what its pages call) lists the
graded submissions and records a manual grade in the gradebook. At the end the hub is stopped and no process it started is left.
"""

import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import psutil
import pytest
from nbgrader.api import Gradebook

from autograder.pipeline import ROOT

A = "00_orientation"
COURSE = "ppml-lab"
BIN = Path(sys.executable).parent
CONFIG = ROOT / "autograder" / "hub" / "jupyterhub_config.py"
STUDENTS = ("alice", "bob")
WRITTEN = "interview_threat_models"  # the answer graded by hand (3 points)
LEFT_AS_STUB = "k_anonymity"  # bob answers every question but this one (3 of the 9 automatic points)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hub:
    """The running hub: REST calls with a token, and the users' servers behind its proxy."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token

    def call(self, method: str, path: str, token: str | None = None, body: dict | None = None,
             form: dict | None = None, timeout: float = 60) -> object:
        """One request to ``path`` (below the proxy's URL); the JSON answer, or None when empty."""
        data, headers = None, {"Authorization": f"token {token or self.token}"}
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text, where = resp.read().decode(), resp.url
        try:
            return json.loads(text) if text.strip() else None
        except json.JSONDecodeError:
            raise AssertionError(f"{method} {path} answered from {where}: {text[:300]!r}") from None

    def start_servers(self, tokens: dict[str, str], deadline: float) -> None:
        """Start every user's server with that user's own token; wait until the hub says all are ready."""
        for user, token in tokens.items():
            # logging in through the form (as _logs_in does) already spawns that user's server, so
            # a POST may meet it pending or running: the hub answers 400, and that is no failure
            if self.call("GET", f"/hub/api/users/{user}", token=token)["servers"].get(""):
                continue
            try:
                self.call("POST", f"/hub/api/users/{user}/server", token=token)
            except urllib.error.HTTPError as exc:
                if exc.code != 400 or not self.call("GET", f"/hub/api/users/{user}", token=token)["servers"]:
                    raise
        waiting = set(tokens)
        while waiting and time.monotonic() < deadline:
            for user in sorted(waiting):
                model = self.call("GET", f"/hub/api/users/{user}", token=tokens[user])
                if model["servers"].get("", {}).get("ready"):
                    waiting.discard(user)
            time.sleep(0.5)
        assert not waiting, f"servers that did not start: {sorted(waiting)}"


def _wait_for_hub(hub: Hub, proc: subprocess.Popen, log: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the hub exited: {log.read_text()[-3000:]}"
        try:
            hub.call("GET", "/hub/api/", timeout=5)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise AssertionError(f"the hub did not answer: {log.read_text()[-3000:]}")


def _logs_in(url: str, user: str, password: str) -> bool:
    """Whether the hub's log-in form accepts ``user`` with ``password`` (a browser's cookies and form)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    page = opener.open(f"{url}/hub/login", timeout=30).read().decode()
    xsrf = page.split('name="_xsrf" value="', 1)[1].split('"', 1)[0]
    form = urllib.parse.urlencode({"_xsrf": xsrf, "username": user, "password": password}).encode()
    try:
        with opener.open(f"{url}/hub/login", data=form, timeout=60) as resp:
            return "/hub/login" not in resp.url
    except urllib.error.HTTPError as err:
        assert err.code == 403, err
        return False


def _filled(fetched: dict, leave_stub: str | None) -> dict:
    """The fetched notebook with the master's answer in every solution cell (but ``leave_stub``)."""
    master = nbformat.read(ROOT / "solutions" / A / f"{A}.ipynb", as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in master.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    nb = json.loads(json.dumps(fetched))
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers and grade_id != leave_stub:
            cell["source"] = answers[grade_id]
    return nb


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_course_runs_on_the_hub_release_fetch_submit_collect_grade(tmp_path):
    started = time.monotonic()
    deadline = started + 300
    hub_dir, grading = tmp_path / "hub", tmp_path / "grading"
    port = _free_port()
    service_token = secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PPML_LAB_HUB"))}
    env.update({
        "PPML_LAB_HUB_DIR": str(hub_dir), "PPML_LAB_HUB_PORT": str(port),
        "PPML_LAB_HUB_PROXY_API_PORT": str(_free_port()), "PPML_LAB_HUB_INTERNAL_PORT": str(_free_port()),
        "PPML_LAB_HUB_API_TOKEN": service_token, "PPML_LAB_HUB_PASSWORD": "trial-password", "PPML_LAB_HUB_STUDENTS": ",".join(STUDENTS),
        "PPML_LAB_GRADING_DIR": str(grading), "PPML_LAB_FAST": "1",  # the suite grades in fast mode
    })
    log = tmp_path / "hub.log"
    with log.open("w") as out:
        proc = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(CONFIG)], cwd=tmp_path, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    hub = Hub(f"http://127.0.0.1:{port}", service_token)
    started_pids: set[int] = set()
    try:
        _wait_for_hub(hub, proc, log, deadline)
        names = {u["name"] for u in hub.call("GET", "/hub/api/users")}
        assert names == {"instructor", *STUDENTS}
        assert _logs_in(hub.url, "alice", "trial-password")
        assert not _logs_in(hub.url, "alice", "wrong")
        assert not _logs_in(hub.url, "mallory", "trial-password")  # not in the class
        tokens = {}
        for user in ("instructor", *STUDENTS):
            tokens[user] = hub.call("POST", f"/hub/api/users/{user}/tokens", body={"note": "test"})["token"]
        hub.start_servers(tokens, deadline)
        for student, other in zip(STUDENTS, reversed(STUDENTS), strict=True):  # separate accounts
            with pytest.raises(urllib.error.HTTPError) as refused:
                hub.call("GET", f"/user/{other}/api/contents", token=tokens[student])
            assert refused.value.code in (403, 404)
            with pytest.raises(urllib.error.HTTPError) as absent:  # no formgrader on a student's server
                hub.call("GET", f"/user/{student}/formgrader", token=tokens[student])
            assert absent.value.code == 404
        hub.call("GET", "/user/instructor/formgrader/api/assignments", token=tokens["instructor"])
        started_pids = {p.pid for p in psutil.Process(proc.pid).children(recursive=True)}
        assert len(started_pids) >= 4, "the proxy and three single-user servers run as the hub's children"

        home = hub_dir / "home" / "instructor"
        instructor_env = {**env, "HOME": str(home), "JUPYTERHUB_USER": "instructor",
                          "JUPYTER_CONFIG_PATH": str(ROOT / "autograder" / "hub"),
                          "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
                          "PPML_LAB_HUB_EXCHANGE": str(hub_dir / "exchange"),
                          "PPML_LAB_HUB_INSTRUCTOR": "instructor",
                          "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}"}

        def instructor(*cmd: str) -> str:
            done = subprocess.run([str(BIN / cmd[0]), *cmd[1:]], cwd=home, env=instructor_env,
                                  capture_output=True, text=True, timeout=480, check=False)
            assert done.returncode == 0, (cmd, done.stdout[-2000:], done.stderr[-3000:])
            return done.stdout + done.stderr

        print(f"servers ready: {time.monotonic() - started:.1f} s")
        instructor("nbgrader", "release_assignment", A)
        assert (hub_dir / "exchange" / COURSE / "outbound" / A / f"{A}.ipynb").is_file()

        for student in STUDENTS:
            base = f"/user/{student}"
            listed = hub.call("GET", f"{base}/assignments?course_id={COURSE}", token=tokens[student])
            assert [(a["assignment_id"], a["status"]) for a in listed["value"]] == [(A, "released")]
            hub.call("POST", f"{base}/assignments/fetch", token=tokens[student],
                     form={"assignment_id": A, "course_id": COURSE})
            path = f"{A}/{A}.ipynb"
            model = hub.call("GET", f"{base}/api/contents/{path}?content=1", token=tokens[student])
            assert "raise NotImplementedError" in json.dumps(model["content"])  # the released stubs
            filled = _filled(model["content"], leave_stub=None if student == "alice" else LEFT_AS_STUB)
            hub.call("PUT", f"{base}/api/contents/{path}", token=tokens[student],
                     body={"type": "notebook", "format": "json", "content": filled})
            answer = hub.call("POST", f"{base}/assignments/submit", token=tokens[student],
                              form={"assignment_id": A, "course_id": COURSE})
            assert answer.get("success", True), answer
        inbound = sorted(p.name.split("+")[0] for p in (hub_dir / "exchange" / COURSE / "inbound").iterdir())
        assert inbound == sorted(STUDENTS), "each submission is filed under its student"

        print(f"submitted: {time.monotonic() - started:.1f} s")
        instructor("nbgrader", "collect", A)
        for student in STUDENTS:
            assert (grading / "submitted" / student / A / f"{A}.ipynb").is_file()
        export = tmp_path / "grades.csv"
        instructor("ppml-lab", "grade", A, str(grading / "submitted"), "--fast", "--quiet",
                   "--workers", "2", "--export", str(export))
        rows = list(csv.reader(export.open()))
        marks = {r[0]: float(r[5]) for r in rows[2:]}
        assert marks == {"alice": 9.0, "bob": 6.0}, rows  # the written answer's 3 points wait for the instructor
        assert float(rows[1][5]) == 12.0
        pending = {r["student"] for r in csv.DictReader((tmp_path / "grades-pending.csv").open())}
        assert pending == set(STUDENTS)

        # The instructor's formgrader sees the class and records a manual grade in the same gradebook.
        fg, token = "/user/instructor/formgrader/api", tokens["instructor"]
        listed = hub.call("GET", f"{fg}/submissions/{A}", token=token)
        assert sorted(s["student"] for s in listed) == sorted(STUDENTS)
        db_url = f"sqlite:///{grading / 'gradebook.db'}"
        with Gradebook(db_url) as gradebook:
            written = gradebook.find_grade(WRITTEN, A, A, "alice")
            assert written.needs_manual_grade and written.max_score == 3
            grade_id = written.id
        answer = hub.call("PUT", f"{fg}/grade/{grade_id}", token=token, body={"manual_score": 2})
        assert answer["manual_score"] == 2
        with Gradebook(db_url) as gradebook:
            assert gradebook.find_submission(A, "alice").score == 11.0
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
    time.sleep(1)
    left = [pid for pid in started_pids if psutil.pid_exists(pid)
            and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert left == [], f"processes left after the hub stopped: {left}"
    assert proc.returncode == 0, log.read_text()[-3000:]
    print(f"hub test wall time: {time.monotonic() - started:.1f} s")
