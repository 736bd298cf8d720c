"""The data every step shares: the report and its parts, as immutable values. Pure."""
