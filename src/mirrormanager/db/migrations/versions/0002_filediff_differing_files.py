"""host_category_dir.differing_files: the few files a stale copy lacks (issue 13 part 5)

Revision ID: 0002_filediff
Revises: 0002_mm2compat
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_filediff"
down_revision = "0002_mm2compat"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable and without a default: adding it rewrites no row on either backend.
    with op.batch_alter_table("host_category_dir") as batch:
        batch.add_column(
            sa.Column(
                "differing_files",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("host_category_dir") as batch:
        batch.drop_column("differing_files")
