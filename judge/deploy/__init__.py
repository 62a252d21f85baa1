"""Deploying the judge elsewhere: a Gradescope autograder (``judge.deploy.gradescope``)."""
