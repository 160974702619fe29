"""The report's own numbers, transcribed (package data)."""
