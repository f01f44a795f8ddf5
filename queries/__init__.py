"""Query layer: read-only, typed functions (connection + scope/filters → Polars frame); never imports Streamlit."""
