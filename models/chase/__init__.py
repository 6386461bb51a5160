"""Chasing: what the chase sends and when (`planning`), the outbox every message leaves
through, and the notices people get when others act (`notices`). May import
models.access, models.engine and the rooms below them."""
