"""Grading: run a problem's tests on a submission in a worker and judge the outcomes."""
