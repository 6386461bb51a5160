"""What every channel shares: draining the outbox (`dispatch`), pacing within limits,
opening the configured channels' dispatchers (`channels`), queuing a reminder in each
channel's layout (`reminders`), TLS and redaction. May import models and the channels."""
