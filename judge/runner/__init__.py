"""Running a submission: the worker harness, the process that hosts it, and the protocol."""
