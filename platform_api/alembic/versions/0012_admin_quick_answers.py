"""quick answers (admin pages, issue 18)

Revision ID: 0010_admin
Revises: 0009
Create Date: 2026-12-02 05:56:59.456374
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_admin"
down_revision: str | None = "0010_leads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quick_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shortcut", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("area", sa.String(length=20), nullable=True),
        sa.Column("created_by_advisor_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_advisor_id"],
            ["advisor.id"],
            name=op.f("fk_quick_answer_created_by_advisor_id_advisor"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quick_answer")),
        sa.UniqueConstraint("shortcut", "area", name=op.f("uq_quick_answer_shortcut")),
    )
    with op.batch_alter_table("quick_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quick_answer_area"), ["area"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quick_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quick_answer_area"))

    op.drop_table("quick_answer")
