"""The judge's own autograd engine, used to compute what a submission should return."""
