"""Text messages: the gateway transport described by a YAML file (`transport`), the
messages laid out for SMS (`layout`) and how the networks count parts (`segments`).
May import models and bots.outbox."""
