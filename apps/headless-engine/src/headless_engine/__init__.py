"""The headless engine: the one executor of flows."""
