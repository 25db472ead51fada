"""JupyterHub for one ppml-lab course on this machine: an instructor, students, nbgrader's exchange.

Started by `make hub` (``jupyterhub -f autograder/hub/jupyterhub_config.py``). Meant for a trial or a
small class on one host, bound to 127.0.0.1:

* log-in: JupyterHub's DummyAuthenticator, every listed user with the one shared trial password
  (``PPML_LAB_HUB_PASSWORD``, default ``ppml-lab``);
* servers: SimpleLocalProcessSpawner, every user's server a process of the account that runs the hub,
  with its home folder ``<hub folder>/home/<user>`` (no system user is created);
* the instructor (``PPML_LAB_HUB_INSTRUCTOR``, default ``instructor``) is a hub admin whose server
  opens on the kit's folder, with the formgrader and the kit's grading configuration
  (``autograder/nbgrader_config.py``, loaded by ``~/.jupyter/nbgrader_config.py``); students
  (``PPML_LAB_HUB_STUDENTS``, comma separated, default ``student1,student2``) get the Assignments tab
  only; everyone's kernel is the kit's ``ppml-lab`` kernel;
* nbgrader's exchange (release, fetch, submit, collect) is the folder ``<hub folder>/exchange``.

The hub folder is ``PPML_LAB_HUB_DIR`` or ``hub-data/`` at the project root (git-ignored). A service
token for scripts (``PPML_LAB_HUB_API_TOKEN``, when set) may manage users, tokens and servers through
the REST API. What to change for a real class is in the README ("Teach a class on JupyterHub").
"""

import json
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - injected by traitlets when JupyterHub loads this file

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BIN = Path(sys.executable).parent  # the kit's environment: jupyterhub, the proxy, the single-user server
HUB_DIR = Path(os.environ.get("PPML_LAB_HUB_DIR") or ROOT / "hub-data").resolve()
HOMES = HUB_DIR / "home"
INSTRUCTOR = os.environ.get("PPML_LAB_HUB_INSTRUCTOR", "instructor")
STUDENTS = [s.strip() for s in os.environ.get("PPML_LAB_HUB_STUDENTS", "student1,student2").split(",") if s.strip()]
PORT = int(os.environ.get("PPML_LAB_HUB_PORT", "8000"))
for folder in (HUB_DIR, HOMES):
    folder.mkdir(parents=True, exist_ok=True)

c.JupyterHub.bind_url = f"http://127.0.0.1:{PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("PPML_LAB_HUB_INTERNAL_PORT", str(PORT + 2)))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(os.environ.get('PPML_LAB_HUB_PROXY_API_PORT', str(PORT + 1)))}"
# The proxy is the Python port of configurable-http-proxy, installed from PyPI by `make env`.
c.ConfigurableHTTPProxy.command = [str(BIN / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(HUB_DIR / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{HUB_DIR / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(HUB_DIR / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(HUB_DIR / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every user's server too

c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = os.environ.get("PPML_LAB_HUB_PASSWORD", "ppml-lab")
c.Authenticator.allowed_users = {INSTRUCTOR, *STUDENTS}
c.Authenticator.admin_users = {INSTRUCTOR}

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(HOMES / "{username}")
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.args = ["--allow-root"] if os.geteuid() == 0 else []
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120
# The exchange's nbgrader settings (autograder/hub/nbgrader_config.py) are read by every server.
c.Spawner.environment = {
    "JUPYTER_CONFIG_PATH": str(HERE),
    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # nbgrader, ppml-lab in a server's terminal
    "PPML_LAB_HUB_EXCHANGE": str(HUB_DIR / "exchange"),
    "PPML_LAB_HUB_INSTRUCTOR": INSTRUCTOR,
    **{k: os.environ[k] for k in ("PPML_LAB_GRADING_DIR", "PPML_LAB_FAST") if k in os.environ},
}

# The instructor's server has the formgrader; a student's server the Assignments tab only.
_STUDENT_SERVER = {"ServerApp": {"jpserver_extensions": {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
}}}
_INSTRUCTOR_NBGRADER = (
    "# The kit's grading configuration (course folders, gradebook, the kit's protections).\n"
    f"load_subconfig({str(ROOT / 'autograder' / 'nbgrader_config.py')!r})\n"
    f"load_subconfig({str(HERE / 'nbgrader_config.py')!r})\n"
)


def prepare_home(spawner) -> None:
    """Create the user's home folder and its Jupyter settings before the server starts."""
    home = Path(spawner.home_dir)
    config = home / ".jupyter"
    config.mkdir(parents=True, exist_ok=True)
    spawner.environment["JUPYTER_CONFIG_DIR"] = str(config)
    if spawner.user.name == INSTRUCTOR:
        # The formgrader serves only a course folder inside the server's root: the kit is the course.
        spawner.notebook_dir = str(ROOT)
        target = config / "nbgrader_config.py"
        if not target.exists():  # an instructor's own edits are kept
            target.write_text(_INSTRUCTOR_NBGRADER)
    else:
        (config / "jupyter_server_config.json").write_text(json.dumps(_STUDENT_SERVER, indent=1))


c.Spawner.pre_spawn_hook = prepare_home

_token = os.environ.get("PPML_LAB_HUB_API_TOKEN")
if _token:
    c.JupyterHub.services = [{"name": "ppml-lab-course", "api_token": _token}]
    c.JupyterHub.load_roles = [{
        "name": "ppml-lab-course",
        "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "list:users", "read:users"],
        "services": ["ppml-lab-course"],
    }]
