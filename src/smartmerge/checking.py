"""checking stage (see docs/architecture.md)."""
