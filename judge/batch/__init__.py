"""Batches: find a class's submissions, grade them in parallel, cache every result."""
