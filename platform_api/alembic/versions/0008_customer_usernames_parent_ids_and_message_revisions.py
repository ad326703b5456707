"""customer usernames, parent business-scoped user ids and message revisions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 02:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("username", sa.String(length=100), nullable=True))

    with op.batch_alter_table("contact_identity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_user_id", sa.String(length=128), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_contact_identity_parent_user_id"), ["parent_user_id"], unique=False
        )

    with op.batch_alter_table("raw_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target_wamid", sa.String(length=200), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_raw_event_target_wamid"), ["target_wamid"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("raw_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_raw_event_target_wamid"))
        batch_op.drop_column("target_wamid")

    with op.batch_alter_table("contact_identity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_identity_parent_user_id"))
        batch_op.drop_column("parent_user_id")

    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("username")
