"""Time as the state counts it: reporting periods, the working calendar and deadlines,
the reminder stages counted in working days, and days as people type them.
May import models.common."""
