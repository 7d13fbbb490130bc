"""rendering stage (see docs/architecture.md)."""
