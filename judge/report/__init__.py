"""Reports: one small module per output format, each reading ``judge.results``."""
