"""Grading on a job queue (RQ over Redis), for more than one machine.

``connect`` reads a Redis URL; ``request`` is what a job carries and what a worker
answers (JSON, no pickle); ``queues`` names the queues and their defaults; ``task`` is
the job a worker runs; ``worker`` is ``judge worker``; ``client`` enqueues and gathers;
``remote`` grades a class through it (``judge grade --queue``).
Only the commands given ``--queue`` import this package: without it nothing needs
Redis or RQ.  See docs/scaling.md.
"""
