"""Alerts: the details of the message (its numbers, for a user interface in another language).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable ``details`` column (alerts found before keep their English message only)."""
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("details", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop the ``details`` column."""
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("details")
