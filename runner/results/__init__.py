"""Results: the schema (one module), rows built from worker results, and the atomic Parquet sink."""
