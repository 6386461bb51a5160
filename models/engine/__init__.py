"""Plans at work: applying plans and directories to the database (`apply`), opening
obligations per period (`opening`), their lifecycle, the reminder policy each is chased
under, and obligations as they stood at a past instant (`asof`). May import the rooms
below it: models.plans, models.org, models.calendar, models.store, models.common."""
