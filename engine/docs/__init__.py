"""The reference manual (``docs/reference/``), generated from the sources of truth.

``python -m engine.docs`` writes it; ``--check`` fails when it differs from a
fresh generation (the test suite runs the check). Modules: ``generate`` (the
pages), ``schema_reference`` (a JSON Schema as Markdown), ``mapping_defaults``
(defaults as the mapping model fills them in), ``cli_reference`` (the Typer
app), ``rules`` (the requirement rules table, ``rules.yaml``).
"""
