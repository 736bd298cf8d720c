"""The GitHub side: action settings, the event payload, the sticky comment and the runner's files."""
