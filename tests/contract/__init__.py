"""Contract tests: the same assertions against the in-memory fake, SQLite and PostgreSQL."""
