"""index directory.ctime (for /rsyncFilter: directories changed since a time)

Revision ID: 0002_mm2compat
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0002_mm2compat"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("directory", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_directory_ctime"), ["ctime"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("directory", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_ctime"))
