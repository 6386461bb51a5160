"""Who answers for a unit on a given day, after mergers, renamings, splits and dissolutions.

The directories state successions (`successor:` on a unit, or a `successions:` list in the
directory that succeeds another); they are stored on the unit rows. Opening, moving open
obligations and reports all ask this one function.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from models.store.tables import Unit


def successors_on(session: Session, unit: Unit, day: dt.date) -> list[Unit]:
    """The units that answer for `unit` on `day`, following successions (a chain of mergers,
    a split shared by all, a dissolution that leaves nobody). Each unit is visited once, so a
    cycle cannot loop."""
    frontier, seen, found = [unit], set(), []
    while frontier:
        current = frontier.pop(0)
        if current is None or current.id in seen:
            continue
        seen.add(current.id)
        if current.successor_on is None or current.successor_on > day:
            found.append(current)
        elif current.successor_id:
            shared = current.successors_also or [] if current.succession_share == "all" else []
            frontier += [session.get(Unit, i) for i in [current.successor_id, *shared]]
    return found
