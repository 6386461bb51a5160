"""Zalo: the transport (`transport`: the Bot API client and the outbox sender), the
conversation by numbered replies (`conversation`), and how its messages are laid out
(`layout`). May import models and bots.outbox."""
