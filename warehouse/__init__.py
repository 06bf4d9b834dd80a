"""How data lands in and leaves the warehouse: DuckDB I/O, atomic replaces, quarantine, exports."""
