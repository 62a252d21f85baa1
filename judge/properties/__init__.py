"""Property checks: random graphs, minimal counterexamples, diagnosis, stress checks.

The pipeline, one module each:

* ``rules``: which graphs are fair (every correct implementation agrees on them);
* ``strategies``: hypothesis strategies that draw fair graphs (imported only to
  generate a corpus, never on a cached run);
* ``corpus``: a problem's graphs and their reference values, generated once per
  (problem, seed, examples, judge code) and cached on disk;
* ``snippet``: a graph written back as a runnable program in the submission's API;
* ``shrink``: a failing graph reduced to a smallest one that still fails;
* ``localise``: the operation and phase at fault;
* ``mistakes``: a library of broken engines, one per classic mistake, and recognition;
* ``stress``: deep, many-path, wide and 100,000-node graphs;
* ``check``: runs all of it in a grading session and makes the test results.
"""
