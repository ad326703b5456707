"""the leads module: pipeline status and owner indexed, notifications that open a lead

Revision ID: 0010_leads
Revises: 0009
Create Date: 2026-12-02 06:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_leads"
down_revision: str | None = "0010_cases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.alter_column(
            "status", existing_type=sa.String(length=12), type_=sa.String(length=30)
        )
        batch_op.create_index(batch_op.f("ix_lead_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_lead_owner_advisor_id"), ["owner_advisor_id"], unique=False
        )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lead_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_notification_lead_id_lead"), "lead", ["lead_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notification_lead_id_lead"), type_="foreignkey")
        batch_op.drop_column("lead_id")
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_owner_advisor_id"))
        batch_op.drop_index(batch_op.f("ix_lead_status"))
        batch_op.alter_column(
            "status", existing_type=sa.String(length=30), type_=sa.String(length=12)
        )
