"""Use cases shared by the GUI and the CLI. Callers own the session; errors are typed."""
