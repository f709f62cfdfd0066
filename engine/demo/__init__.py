"""``rpsync demo``: a realistic Czech demo world in both simulators, synced with the standard mapping.

Modules: ``ico`` (Czech company numbers with their check digit), ``generate``
(the demo world's seed data, written to ``data/*.json`` from a fixed random
seed), ``world`` (the work folder: both simulators' stores, seeded once, and
the simulators serving them), ``profile`` (the connection profile of the
simulators), ``session`` (one demo run: sync, report, what is left in the folder).
"""
