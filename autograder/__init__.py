"""ppml-lab's grading tools around nbgrader: course generation, autograding and hidden-test helpers."""
