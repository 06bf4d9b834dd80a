"""Data-quality checks that assets run on what they loaded (Great Expectations and plain SQL)."""
