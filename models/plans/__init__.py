"""Plans as files: the plan YAML schema (`plan`), the timing grammar, validation against
the directory, and intake of a plan's document (`intake/`: one reader per format, one
interpreter). May import models.common, models.store, models.calendar and models.org."""
