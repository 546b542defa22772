"""patients and keys

Revision ID: patients_keys
Revises: foundation
Create Date: 2026-11-26 04:45:55.813764
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'patients_keys'
down_revision: str | Sequence[str] | None = 'foundation'
branch_labels: str | Sequence[str] | None = ('patients',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Encrypted columns are plain text holding pe1 ciphertexts (app.crypto.column.EncryptedText).
    op.create_table('master_key_check',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('check_value', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_master_key_check'))
    )
    op.create_table('key_rotation',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('practice_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('target_version', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('last_row_id', sa.Uuid(), nullable=True),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_key_rotation_practice_id_practice'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_rotation'))
    )
    with op.batch_alter_table('key_rotation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_rotation_practice_id'), ['practice_id'], unique=False)

    op.create_table('patient',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('practice_id', sa.Uuid(), nullable=False),
    sa.Column('surname', sa.Text(), nullable=True),
    sa.Column('birth_surname', sa.Text(), nullable=True),
    sa.Column('given_names', sa.Text(), nullable=True),
    sa.Column('birth_date', sa.Text(), nullable=True),
    sa.Column('sex', sa.Text(), nullable=True),
    sa.Column('phones', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('create_key', sa.String(length=64), nullable=True),
    sa.Column('create_fingerprint', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_patient_practice_id_practice'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient')),
    sa.UniqueConstraint('practice_id', 'create_key', name='uq_patient_practice_create_key')
    )
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patient_last_activity_at'), ['last_activity_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_patient_practice_id'), ['practice_id'], unique=False)

    op.create_table('practice_key',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('practice_id', sa.Uuid(), nullable=False),
    sa.Column('purpose', sa.String(length=8), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('wrapped', sa.Text(), nullable=False),
    sa.Column('master_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_practice_key_practice_id_practice'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_key')),
    sa.UniqueConstraint('practice_id', 'purpose', 'version', name='uq_practice_key_practice_purpose_version')
    )
    with op.batch_alter_table('practice_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_key_practice_id'), ['practice_id'], unique=False)

    op.create_table('patient_index',
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('value', sa.String(length=16), nullable=False),
    sa.Column('practice_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_patient_index_patient_id_patient'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_patient_index_practice_id_practice'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('patient_id', 'name', 'value', name=op.f('pk_patient_index'))
    )
    with op.batch_alter_table('patient_index', schema=None) as batch_op:
        batch_op.create_index('ix_patient_index_lookup', ['practice_id', 'name', 'value'], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    # Encrypted columns are plain text holding pe1 ciphertexts (app.crypto.column.EncryptedText).
    with op.batch_alter_table('patient_index', schema=None) as batch_op:
        batch_op.drop_index('ix_patient_index_lookup')

    op.drop_table('patient_index')
    with op.batch_alter_table('practice_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_key_practice_id'))

    op.drop_table('practice_key')
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patient_practice_id'))
        batch_op.drop_index(batch_op.f('ix_patient_last_activity_at'))

    op.drop_table('patient')
    with op.batch_alter_table('key_rotation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_rotation_practice_id'))

    op.drop_table('key_rotation')
    op.drop_table('master_key_check')
    # ### end Alembic commands ###
