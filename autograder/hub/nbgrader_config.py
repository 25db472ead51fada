"""nbgrader settings every server of the course hub reads: the course, its exchange, who submits.

The hub's spawner puts this folder on JUPYTER_CONFIG_PATH and names the exchange folder in
PPML_LAB_HUB_EXCHANGE (``<hub folder>/exchange``), so release, fetch, submit and collect meet there.
Every server of this trial hub runs as the same system account, so nbgrader cannot tell students
apart by their account: a student's submissions are filed under their hub user name
(JUPYTERHUB_USER). A class whose students must not be able to pose as each other gives each its own
account (a spawner that runs each server as its user, or one container per user on Kubernetes).
"""

import os

c = get_config()  # noqa: F821 - injected by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "ppml-lab"
if os.environ.get("PPML_LAB_HUB_EXCHANGE"):
    c.Exchange.root = os.environ["PPML_LAB_HUB_EXCHANGE"]
    os.makedirs(c.Exchange.root, exist_ok=True)
_user = os.environ.get("JUPYTERHUB_USER")
if _user and _user != os.environ.get("PPML_LAB_HUB_INSTRUCTOR"):
    c.CourseDirectory.student_id = _user
