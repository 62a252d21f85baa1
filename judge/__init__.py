"""judge: a grader for the scalar autograd (micrograd-style ``Value``) exercise."""

__version__ = "0.1.0"
