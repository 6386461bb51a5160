"""E-mail: the SMTP transport (`transport`) and the messages laid out as mail (`layout`).
May import models and bots.outbox."""
