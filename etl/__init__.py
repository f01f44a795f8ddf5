"""ETL layer: turns one-stop-software exports into the DuckDB database; the only writer."""
