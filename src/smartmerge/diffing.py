"""diffing stage (see docs/architecture.md)."""
