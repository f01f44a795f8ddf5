"""Demo data: a seeded, deterministic generator of a demo province's one-stop export files."""
