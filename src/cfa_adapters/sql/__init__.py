"""SQL persistence of every repository port (SQLAlchemy 2.x Core; SQLite and PostgreSQL)."""
