"""Alembic migrations (applied by `crisisbot db upgrade` and on `serve`)."""
