"""Property checks: random graphs, minimal counterexamples, diagnosis, stress checks.

The pipeline, one module each (see docs/properties.md):

* ``rules``: which graphs are fair (every correct implementation agrees on them);
* ``explicit``: the fixed small graphs every corpus starts with;
* ``strategies``: hypothesis strategies that draw fair graphs (imported only to
  generate a corpus, never on a cached run);
* ``corpus``: a problem's graphs and their reference values, generated once per
  (problem, seed, examples, judge code) and cached on disk;
* ``stress``: deep, many-path, wide and 100,000-node graphs;
* ``prepare``: all of a problem's graphs, made once per plan;
* ``runners``: where a graph runs (the submission's worker, or an engine of ours);
* ``snippet``: a graph written back as a runnable program in the submission's API;
* ``shrink``: a failing graph reduced to a smallest one that still fails;
* ``localise``: the operation and phase at fault;
* ``engines``, ``mistakes``: the micrograd engine as tables, and one broken variant of
  it per classic mistake; ``recognise``: which one explains a submission's numbers;
* ``check``: runs all of it in a grading session and makes the test results.
"""
