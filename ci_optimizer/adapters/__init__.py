"""Adapters to the Docker engine and BuildKit. Thin: the decisions live in the pure core."""
