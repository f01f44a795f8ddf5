"""Access layer: roles, local accounts, sign-in rules and the audit trail; never imports Streamlit."""
