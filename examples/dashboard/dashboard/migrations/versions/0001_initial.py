"""Initial schema: meters, readings, aggregates, gaps, users, API tokens, collector state.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create every table."""
    op.create_table('collector_state',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_utc', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_collector_state'))
    )
    op.create_table('meters',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('serial', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('created_utc', sa.Integer(), nullable=False),
    sa.Column('gap_seconds', sa.Float(), nullable=False),
    sa.Column('aggregated_until', sa.Integer(), nullable=True),
    sa.Column('dirty_from', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meters')),
    sa.UniqueConstraint('serial', name=op.f('uq_meters_serial'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=500), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('created_utc', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('aggregates',
    sa.Column('meter_id', sa.Integer(), nullable=False),
    sa.Column('resolution', sa.String(length=4), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('samples', sa.Integer(), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('active_energy_import', sa.Float(), nullable=True),
    sa.Column('active_energy_export', sa.Float(), nullable=True),
    sa.Column('reactive_energy_import', sa.Float(), nullable=True),
    sa.Column('reactive_energy_export', sa.Float(), nullable=True),
    sa.Column('active_power_import', sa.Float(), nullable=True),
    sa.Column('active_power_export', sa.Float(), nullable=True),
    sa.Column('reactive_power_import', sa.Float(), nullable=True),
    sa.Column('reactive_power_export', sa.Float(), nullable=True),
    sa.Column('voltage_l1', sa.Float(), nullable=True),
    sa.Column('voltage_l2', sa.Float(), nullable=True),
    sa.Column('voltage_l3', sa.Float(), nullable=True),
    sa.Column('current_l1', sa.Float(), nullable=True),
    sa.Column('current_l2', sa.Float(), nullable=True),
    sa.Column('current_l3', sa.Float(), nullable=True),
    sa.Column('power_factor', sa.Float(), nullable=True),
    sa.Column('frequency', sa.Float(), nullable=True),
    sa.Column('active_power_import_max', sa.Float(), nullable=True),
    sa.Column('active_power_export_max', sa.Float(), nullable=True),
    sa.Column('reactive_power_import_max', sa.Float(), nullable=True),
    sa.Column('reactive_power_export_max', sa.Float(), nullable=True),
    sa.Column('voltage_l1_max', sa.Float(), nullable=True),
    sa.Column('voltage_l2_max', sa.Float(), nullable=True),
    sa.Column('voltage_l3_max', sa.Float(), nullable=True),
    sa.Column('current_l1_max', sa.Float(), nullable=True),
    sa.Column('current_l2_max', sa.Float(), nullable=True),
    sa.Column('current_l3_max', sa.Float(), nullable=True),
    sa.Column('power_factor_max', sa.Float(), nullable=True),
    sa.Column('frequency_max', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['meter_id'], ['meters.id'], name=op.f('fk_aggregates_meter_id_meters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meter_id', 'resolution', 'start', name=op.f('pk_aggregates'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_utc', sa.Integer(), nullable=False),
    sa.Column('last_used_utc', sa.Integer(), nullable=True),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_index('ix_api_tokens_user', 'api_tokens', ['user_id'], unique=False)
    op.create_table('gaps',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('meter_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['meter_id'], ['meters.id'], name=op.f('fk_gaps_meter_id_meters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gaps')),
    sa.UniqueConstraint('meter_id', 'start', name=op.f('uq_gaps_meter_id_start'))
    )
    op.create_index('ix_gaps_meter_end', 'gaps', ['meter_id', 'end'], unique=False)
    op.create_table('readings',
    sa.Column('meter_id', sa.Integer(), nullable=False),
    sa.Column('ts', sa.Integer(), nullable=False),
    sa.Column('dst', sa.Boolean(), nullable=True),
    sa.Column('obis', sa.Text(), nullable=True),
    sa.Column('active_energy_import', sa.Float(), nullable=True),
    sa.Column('active_energy_export', sa.Float(), nullable=True),
    sa.Column('reactive_energy_import', sa.Float(), nullable=True),
    sa.Column('reactive_energy_export', sa.Float(), nullable=True),
    sa.Column('active_power_import', sa.Float(), nullable=True),
    sa.Column('active_power_export', sa.Float(), nullable=True),
    sa.Column('reactive_power_import', sa.Float(), nullable=True),
    sa.Column('reactive_power_export', sa.Float(), nullable=True),
    sa.Column('voltage_l1', sa.Float(), nullable=True),
    sa.Column('voltage_l2', sa.Float(), nullable=True),
    sa.Column('voltage_l3', sa.Float(), nullable=True),
    sa.Column('current_l1', sa.Float(), nullable=True),
    sa.Column('current_l2', sa.Float(), nullable=True),
    sa.Column('current_l3', sa.Float(), nullable=True),
    sa.Column('power_factor', sa.Float(), nullable=True),
    sa.Column('frequency', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['meter_id'], ['meters.id'], name=op.f('fk_readings_meter_id_meters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meter_id', 'ts', name=op.f('pk_readings'))
    )


def downgrade() -> None:
    """Drop every table."""
    op.drop_table('readings')
    op.drop_index('ix_gaps_meter_end', table_name='gaps')
    op.drop_table('gaps')
    op.drop_index('ix_api_tokens_user', table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_table('aggregates')
    op.drop_table('users')
    op.drop_table('meters')
    op.drop_table('collector_state')
