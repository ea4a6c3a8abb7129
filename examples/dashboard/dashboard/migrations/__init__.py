"""Alembic migrations of the dashboard schema (run by ``Store.open``)."""
