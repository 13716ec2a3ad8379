"""Model specs (pure data), seeded weights and inputs, and per-framework definitions.

Only ``spec`` and ``inputs`` are imported by the orchestrator; the ``torch_*``/``keras_*``/``gluon_*``
definition modules are imported inside their framework's environment.
"""
