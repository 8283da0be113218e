"""The job queue in the database and the worker loop."""
