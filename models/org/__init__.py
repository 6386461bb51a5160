"""The org directory: units and classes (`directory`), the generic unit vocabulary,
drafting a province from the official lists (`draft`), drafting the successor of a
reorganised map (`migrate`), and who answers for a unit on a day (`succession`).
May import models.common, models.store and models.calendar."""
