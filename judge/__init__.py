"""judge: a grader for the scalar autograd (micrograd-style ``Value``) exercise."""

__version__ = "0.1.0"

# The name pip installs it by ("judge" on PyPI is an unrelated package); the command and
# the import package are ``judge``.  pyproject.toml's name must match (tests check it).
DISTRIBUTION = "micrograd-judge"
