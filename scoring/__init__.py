"""Scoring layer: emulation-contest schemes, scores and ranks; never imports Streamlit, never writes."""
