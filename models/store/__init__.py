"""Storage: the tables (declared once), connecting and upgrading the database (Alembic
migrations in `migrations/`), and the per-database run lock. May import models.common."""
