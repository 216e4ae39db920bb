"""The engine library."""
