"""The judge's version and the name it is installed by: read by hatch (pyproject.toml),
the caches' fingerprint, ``judge --version`` and the Gradescope build."""

__version__ = "0.1.0"

# The name pip installs it by ("judge" on PyPI is an unrelated package); the command and
# the import package are ``judge``.  pyproject.toml's name must match (tests check it).
DISTRIBUTION = "micrograd-judge"
