"""Built-in study specs: one YAML per table of the report (package data)."""
