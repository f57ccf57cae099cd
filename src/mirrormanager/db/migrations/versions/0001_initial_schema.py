"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "access_stat",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("repo", sa.String(length=100), nullable=False),
        sa.Column("arch", sa.String(length=50), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("product", sa.String(length=100), nullable=True),
        sa.Column("version", sa.String(length=100), nullable=True),
        sa.Column("requests", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_stat")),
        sa.UniqueConstraint(
            "date", "repo", "arch", "country", name=op.f("uq_access_stat_date_repo_arch_country")
        ),
    )
    with op.batch_alter_table("access_stat", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_stat_date"), ["date"], unique=False)

    op.create_table(
        "arch",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("publiclist", sa.Boolean(), nullable=False),
        sa.Column("primary_arch", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arch")),
        sa.UniqueConstraint("name", name=op.f("uq_arch_name")),
    )
    op.create_table(
        "country_continent_redirect",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("continent", sa.String(length=2), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_country_continent_redirect")),
        sa.UniqueConstraint("country", name=op.f("uq_country_continent_redirect_country")),
    )
    op.create_table(
        "directory",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("ctime", sa.BigInteger(), nullable=False),
        sa.Column("readable", sa.Boolean(), nullable=False),
        sa.Column(
            "files",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory")),
        sa.UniqueConstraint("name", name=op.f("uq_directory_name")),
    )
    with op.batch_alter_table("directory", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_directory_readable"), ["readable"], unique=False)

    op.create_table(
        "embargoed_country",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_embargoed_country")),
        sa.UniqueConstraint("country", name=op.f("uq_embargoed_country_country")),
    )
    op.create_table(
        "ingested_log",
        sa.Column("fingerprint", sa.String(length=128), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("lines", sa.BigInteger(), nullable=False),
        sa.Column("malformed", sa.BigInteger(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingested_log")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_ingested_log_fingerprint")),
    )
    op.create_table(
        "job_run",
        sa.Column("job", sa.String(length=50), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "summary",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_run")),
    )
    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_run_job"), ["job"], unique=False)

    op.create_table(
        "location",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_location")),
        sa.UniqueConstraint("name", name=op.f("uq_location_name")),
    )
    op.create_table(
        "mm_group",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mm_group")),
        sa.UniqueConstraint("name", name=op.f("uq_mm_group_name")),
    )
    op.create_table(
        "mm_user",
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("display_name", sa.String(length=255), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("email_confirmed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mm_user")),
        sa.UniqueConstraint("username", name=op.f("uq_mm_user_username")),
    )
    op.create_table(
        "netblock_asn",
        sa.Column("netblock", sa.String(length=64), nullable=False),
        sa.Column("asn", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_netblock_asn")),
        sa.UniqueConstraint("netblock", name=op.f("uq_netblock_asn_netblock")),
    )
    with op.batch_alter_table("netblock_asn", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_netblock_asn_asn"), ["asn"], unique=False)

    op.create_table(
        "netblock_country",
        sa.Column("netblock", sa.String(length=64), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_netblock_country")),
        sa.UniqueConstraint("netblock", name=op.f("uq_netblock_country_netblock")),
    )
    op.create_table(
        "product",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("publiclist", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product")),
        sa.UniqueConstraint("name", name=op.f("uq_product_name")),
    )
    op.create_table(
        "repository_redirect",
        sa.Column("from_repo", sa.String(length=100), nullable=False),
        sa.Column("to_repo", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repository_redirect")),
        sa.UniqueConstraint("from_repo", name=op.f("uq_repository_redirect_from_repo")),
    )
    op.create_table(
        "site",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("org_url", sa.Text(), nullable=True),
        sa.Column("password", sa.String(length=255), nullable=True),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("admin_active", sa.Boolean(), nullable=False),
        sa.Column("user_active", sa.Boolean(), nullable=False),
        sa.Column("all_sites_can_pull_from_me", sa.Boolean(), nullable=False),
        sa.Column("downstream_comments", sa.Text(), nullable=True),
        sa.Column("email_on_drop", sa.Boolean(), nullable=False),
        sa.Column("email_on_add", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
        sa.UniqueConstraint("name", name=op.f("uq_site_name")),
    )
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_admin_active"), ["admin_active"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_private"), ["private"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_user_active"), ["user_active"], unique=False)

    op.create_table(
        "api_token",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["mm_user.id"],
            name=op.f("fk_api_token_user_id_mm_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=100), nullable=True),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("object_type", sa.String(length=50), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["mm_user.id"],
            name=op.f("fk_audit_log_user_id_mm_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "category",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("topdir_id", sa.Integer(), nullable=True),
        sa.Column("canonicalhost", sa.String(length=255), nullable=True),
        sa.Column("publiclist", sa.Boolean(), nullable=False),
        sa.Column("geo_dns_domain", sa.String(length=255), nullable=True),
        sa.Column("admin_only", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_category_product_id_product"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["topdir_id"],
            ["directory.id"],
            name=op.f("fk_category_topdir_id_directory"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category")),
        sa.UniqueConstraint("name", name=op.f("uq_category_name")),
    )
    op.create_table(
        "file_detail",
        sa.Column("directory_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("md5", sa.String(length=32), nullable=True),
        sa.Column("sha1", sa.String(length=40), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("sha512", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directory.id"],
            name=op.f("fk_file_detail_directory_id_directory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_detail")),
    )
    with op.batch_alter_table("file_detail", schema=None) as batch_op:
        batch_op.create_index("ix_file_detail_dir_file", ["directory_id", "filename"], unique=False)
        batch_op.create_index(batch_op.f("ix_file_detail_timestamp"), ["timestamp"], unique=False)

    op.create_table(
        "host",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("robot_email", sa.String(length=255), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("bandwidth_int", sa.Integer(), nullable=False),
        sa.Column("max_connections", sa.Integer(), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("internet2", sa.Boolean(), nullable=False),
        sa.Column("internet2_clients", sa.Boolean(), nullable=False),
        sa.Column("asn", sa.BigInteger(), nullable=True),
        sa.Column("asn_clients", sa.Boolean(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("admin_active", sa.Boolean(), nullable=False),
        sa.Column("user_active", sa.Boolean(), nullable=False),
        sa.Column("disable_reason", sa.Text(), nullable=True),
        sa.Column("disabled_by_crawler", sa.Boolean(), nullable=False),
        sa.Column("crawl_failures", sa.Integer(), nullable=False),
        sa.Column("last_crawl_error", sa.Text(), nullable=True),
        sa.Column("last_crawled", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_crawl_duration", sa.Float(), nullable=True),
        sa.Column("last_crawl_requests", sa.Integer(), nullable=True),
        sa.Column("last_checked_in", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reachable_ipv4", sa.Boolean(), nullable=True),
        sa.Column("reachable_ipv6", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_host_site_id_site"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_host")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_host_site_id_name")),
    )
    with op.batch_alter_table("host", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_host_admin_active"), ["admin_active"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_host_last_crawl_duration"), ["last_crawl_duration"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_host_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_host_private"), ["private"], unique=False)
        batch_op.create_index(batch_op.f("ix_host_user_active"), ["user_active"], unique=False)

    op.create_table(
        "mm_user_group",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["mm_group.id"],
            name=op.f("fk_mm_user_group_group_id_mm_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["mm_user.id"],
            name=op.f("fk_mm_user_group_user_id_mm_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "group_id", name=op.f("pk_mm_user_group")),
    )
    op.create_table(
        "site_admin",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_site_admin_site_id_site"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["mm_user.id"],
            name=op.f("fk_site_admin_user_id_mm_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_admin")),
        sa.UniqueConstraint("site_id", "user_id", name=op.f("uq_site_admin_site_id_user_id")),
    )
    with op.batch_alter_table("site_admin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_admin_user_id"), ["user_id"], unique=False)

    op.create_table(
        "version",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("codename", sa.String(length=100), nullable=True),
        sa.Column("is_test", sa.Boolean(), nullable=False),
        sa.Column("display", sa.Boolean(), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=True),
        sa.Column("ordered_mirrorlist", sa.Boolean(), nullable=False),
        sa.Column("sortorder", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_version_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_version")),
        sa.UniqueConstraint("product_id", "name", name=op.f("uq_version_product_id_name")),
    )
    op.create_table(
        "category_directory",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("directory_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
            name=op.f("fk_category_directory_category_id_category"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directory.id"],
            name=op.f("fk_category_directory_directory_id_directory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("category_id", "directory_id", name=op.f("pk_category_directory")),
    )
    with op.batch_alter_table("category_directory", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_category_directory_directory_id"), ["directory_id"], unique=False
        )

    op.create_table(
        "directory_exclusive_host",
        sa.Column("directory_id", sa.Integer(), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directory.id"],
            name=op.f("fk_directory_exclusive_host_directory_id_directory"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["host_id"],
            ["host.id"],
            name=op.f("fk_directory_exclusive_host_host_id_host"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_exclusive_host")),
        sa.UniqueConstraint(
            "directory_id", "host_id", name=op.f("uq_directory_exclusive_host_directory_id_host_id")
        ),
    )
    op.create_table(
        "host_acl_ip",
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_id"], ["host.id"], name=op.f("fk_host_acl_ip_host_id_host"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_host_acl_ip")),
        sa.UniqueConstraint("host_id", "ip", name=op.f("uq_host_acl_ip_host_id_ip")),
    )
    op.create_table(
        "host_category",
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("always_up2date", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
            name=op.f("fk_host_category_category_id_category"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["host_id"], ["host.id"], name=op.f("fk_host_category_host_id_host"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_host_category")),
        sa.UniqueConstraint(
            "host_id", "category_id", name=op.f("uq_host_category_host_id_category_id")
        ),
    )
    op.create_table(
        "host_country_allowed",
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_id"],
            ["host.id"],
            name=op.f("fk_host_country_allowed_host_id_host"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_host_country_allowed")),
        sa.UniqueConstraint(
            "host_id", "country", name=op.f("uq_host_country_allowed_host_id_country")
        ),
    )
    op.create_table(
        "host_location",
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_id"], ["host.id"], name=op.f("fk_host_location_host_id_host"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["location.id"],
            name=op.f("fk_host_location_location_id_location"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_host_location")),
        sa.UniqueConstraint(
            "host_id", "location_id", name=op.f("uq_host_location_host_id_location_id")
        ),
    )
    op.create_table(
        "host_netblock",
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("netblock", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_id"], ["host.id"], name=op.f("fk_host_netblock_host_id_host"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_host_netblock")),
        sa.UniqueConstraint("host_id", "netblock", name=op.f("uq_host_netblock_host_id_netblock")),
    )
    op.create_table(
        "host_peer_asn",
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("asn", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_id"], ["host.id"], name=op.f("fk_host_peer_asn_host_id_host"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_host_peer_asn")),
        sa.UniqueConstraint("host_id", "asn", name=op.f("uq_host_peer_asn_host_id_asn")),
    )
    op.create_table(
        "repository",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("prefix", sa.String(length=100), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("arch_id", sa.Integer(), nullable=True),
        sa.Column("directory_id", sa.Integer(), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["arch_id"], ["arch.id"], name=op.f("fk_repository_arch_id_arch"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
            name=op.f("fk_repository_category_id_category"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directory.id"],
            name=op.f("fk_repository_directory_id_directory"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["version.id"],
            name=op.f("fk_repository_version_id_version"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repository")),
        sa.UniqueConstraint("name", name=op.f("uq_repository_name")),
        sa.UniqueConstraint("prefix", "arch_id", name=op.f("uq_repository_prefix_arch_id")),
    )
    with op.batch_alter_table("repository", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_repository_directory_id"), ["directory_id"], unique=False
        )

    op.create_table(
        "host_category_dir",
        sa.Column("host_category_id", sa.Integer(), nullable=False),
        sa.Column("directory_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("up2date", sa.Boolean(), nullable=False),
        sa.Column("last_checked", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directory.id"],
            name=op.f("fk_host_category_dir_directory_id_directory"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["host_category_id"],
            ["host_category.id"],
            name=op.f("fk_host_category_dir_host_category_id_host_category"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_host_category_dir")),
        sa.UniqueConstraint(
            "host_category_id",
            "directory_id",
            name=op.f("uq_host_category_dir_host_category_id_directory_id"),
        ),
    )
    with op.batch_alter_table("host_category_dir", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_host_category_dir_directory_id"), ["directory_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_host_category_dir_up2date"), ["up2date"], unique=False)

    op.create_table(
        "host_category_url",
        sa.Column("host_category_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_category_id"],
            ["host_category.id"],
            name=op.f("fk_host_category_url_host_category_id_host_category"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_host_category_url")),
        sa.UniqueConstraint("url", name=op.f("uq_host_category_url_url")),
    )
    with op.batch_alter_table("host_category_url", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_host_category_url_host_category_id"), ["host_category_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_host_category_url_private"), ["private"], unique=False)

    op.create_table(
        "propagation_stat",
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("current", sa.Integer(), nullable=False),
        sa.Column("one_behind", sa.Integer(), nullable=False),
        sa.Column("older", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("no_info", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repository.id"],
            name=op.f("fk_propagation_stat_repository_id_repository"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_propagation_stat")),
        sa.UniqueConstraint(
            "repository_id", "at", name=op.f("uq_propagation_stat_repository_id_at")
        ),
    )
    with op.batch_alter_table("propagation_stat", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_propagation_stat_at"), ["at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("propagation_stat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_propagation_stat_at"))

    op.drop_table("propagation_stat")
    with op.batch_alter_table("host_category_url", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_host_category_url_private"))
        batch_op.drop_index(batch_op.f("ix_host_category_url_host_category_id"))

    op.drop_table("host_category_url")
    with op.batch_alter_table("host_category_dir", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_host_category_dir_up2date"))
        batch_op.drop_index(batch_op.f("ix_host_category_dir_directory_id"))

    op.drop_table("host_category_dir")
    with op.batch_alter_table("repository", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repository_directory_id"))

    op.drop_table("repository")
    op.drop_table("host_peer_asn")
    op.drop_table("host_netblock")
    op.drop_table("host_location")
    op.drop_table("host_country_allowed")
    op.drop_table("host_category")
    op.drop_table("host_acl_ip")
    op.drop_table("directory_exclusive_host")
    with op.batch_alter_table("category_directory", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_category_directory_directory_id"))

    op.drop_table("category_directory")
    op.drop_table("version")
    with op.batch_alter_table("site_admin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_admin_user_id"))

    op.drop_table("site_admin")
    op.drop_table("mm_user_group")
    with op.batch_alter_table("host", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_host_user_active"))
        batch_op.drop_index(batch_op.f("ix_host_private"))
        batch_op.drop_index(batch_op.f("ix_host_name"))
        batch_op.drop_index(batch_op.f("ix_host_last_crawl_duration"))
        batch_op.drop_index(batch_op.f("ix_host_admin_active"))

    op.drop_table("host")
    with op.batch_alter_table("file_detail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_file_detail_timestamp"))
        batch_op.drop_index("ix_file_detail_dir_file")

    op.drop_table("file_detail")
    op.drop_table("category")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))

    op.drop_table("api_token")
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_user_active"))
        batch_op.drop_index(batch_op.f("ix_site_private"))
        batch_op.drop_index(batch_op.f("ix_site_admin_active"))

    op.drop_table("site")
    op.drop_table("repository_redirect")
    op.drop_table("product")
    op.drop_table("netblock_country")
    with op.batch_alter_table("netblock_asn", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_netblock_asn_asn"))

    op.drop_table("netblock_asn")
    op.drop_table("mm_user")
    op.drop_table("mm_group")
    op.drop_table("location")
    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_run_job"))

    op.drop_table("job_run")
    op.drop_table("ingested_log")
    op.drop_table("embargoed_country")
    with op.batch_alter_table("directory", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_readable"))

    op.drop_table("directory")
    op.drop_table("country_continent_redirect")
    op.drop_table("arch")
    with op.batch_alter_table("access_stat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_stat_date"))

    op.drop_table("access_stat")
