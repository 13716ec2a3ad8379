"""The null adapter: the harness itself, fault injection (its record, its adapter)."""
