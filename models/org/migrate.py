"""Drafting the directory that succeeds old ones across a reorganisation of the map.

`dondoc org migrate binh-dinh.yaml gia-lai-2020.yaml --to-map 2025 --on 2025-07-01` drafts
today's Gia Lai and states where every old unit went, from the official conversion of 1 July
2025 (`vietnamadminunits`):

- a commune merged with others → the new commune (many to one);
- a commune split between several → the one the conversion names first takes the open
  obligations; the others are listed (`also`) so the admin can share the duty (`share: all`)
  or pick another;
- district-level units and their agencies → closed: the level no longer exists;
- departments → the reorganisation of Nghị định 45/2025/NĐ-CP (Kế hoạch và Đầu tư into Tài
  chính …), then the new province's department of the same name.

The result is YAML for an admin to review; `org validate` checks it and `org apply` loads it.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from models.org.directory import Directory, Level
from models.org.draft import draft_2025, merged_into
from models.common.text import fold
from models.common.yamlio import flow

# Departments merged or renamed by the 2025 reorganisation (Nghị định 45/2025/NĐ-CP, in force
# 1 March 2025): old department (name) → the department that took it over (name).
REORGANISED = {
    "Sở Kế hoạch và Đầu tư": "Sở Tài chính",
    "Sở Giao thông vận tải": "Sở Xây dựng",
    "Sở Tài nguyên và Môi trường": "Sở Nông nghiệp và Môi trường",
    "Sở Nông nghiệp và Phát triển nông thôn": "Sở Nông nghiệp và Môi trường",
    "Sở Thông tin và Truyền thông": "Sở Khoa học và Công nghệ",
    "Sở Lao động - Thương binh và Xã hội": "Sở Nội vụ",
    "Ban Dân tộc": "Sở Dân tộc và Tôn giáo",
    "Sở Văn hóa và Thể thao": "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Du lịch": "Sở Văn hóa, Thể thao và Du lịch",
}
# Province-wide agencies whose 2025 names differ (old id → new id in the draft).
AGENCIES = {"cuc-thue-tinh": "thue-tinh", "bao-tinh": "bao-ptth-tinh", "dai-pt-th-tinh": "bao-ptth-tinh"}
DISTRICTS_ENDED = ("the district level ended on 1 July 2025 (Luật Tổ chức chính quyền địa phương 2025); "
                   "name a successor instead if another unit carries this work on")


DISTRICT_POLICE_ENDED = dt.date(2025, 3, 1)  # no district police from then: the province's police took their work


class MigrationError(Exception):
    """The old directories cannot be migrated as asked (one line saying why)."""


def migrate(old: list[Directory], on: dt.date, departments_on: dt.date) -> tuple[dict, list[str]]:
    """The new directory draft with its `successions`, and what the admin should look at."""
    province = _new_province(old)
    draft = draft_2025(province)
    new_id = draft["directory"]["id"]
    _add_departments(draft, old)
    finder = _Finder(draft)
    entries, notes = [], []
    for directory in old:
        for unit in directory.spec.units:
            entry = _succession(directory, unit, finder, on, departments_on, notes)
            if entry:
                entries.append(entry)
    draft["directory"]["source"] += f"; successions of {', '.join(d.spec.directory.id for d in old)} from " \
                                    "the official 2025 conversion (vietnamadminunits)"
    draft["successions"] = [flow(e) for e in entries]  # one line each: hundreds of them
    if any(e.get("unit", "").startswith(new_id + "/") for e in entries):
        raise MigrationError(f'an old directory has the new one\'s id "{new_id}": give it another id first')
    return draft, notes


def _new_province(old: list[Directory]) -> str:
    provinces = set()
    for directory in old:
        name = directory.spec.directory.name
        merged = merged_into(name)
        if merged is None:
            raise MigrationError(f'"{name}" ({directory.source}) is not a province of the 2020 map')
        provinces.add(merged)
    if len(provinces) != 1:
        raise MigrationError(f"the old directories went to different provinces ({', '.join(sorted(provinces))}): "
                             "migrate them one new province at a time")
    return provinces.pop()


def _add_departments(draft: dict, old: list[Directory]) -> None:
    """Departments only some provinces have, drafted when an old directory had their forerunner."""
    names = {u["name"] for u in draft["units"]}
    wanted = {REORGANISED.get(u.name, u.name) for d in old for u in d.spec.units if u.level == Level.department}
    extra = {"Sở Dân tộc và Tôn giáo": "so-dan-toc-ton-giao", "Sở Ngoại vụ": "so-ngoai-vu", "Sở Du lịch": "so-du-lich"}
    for name, uid in extra.items():
        if name in wanted and name not in names:
            draft["units"].append({"id": uid, "name": name, "level": "department"})


class _Finder:
    """New units by the names the old ones and the conversion use."""

    def __init__(self, draft: dict):
        self.new_id = draft["directory"]["id"]
        self.province = draft["directory"]["name"]
        self.by_name = {}
        for unit in draft["units"]:
            for name in [unit["name"], *unit.get("aliases", [])]:
                self.by_name.setdefault(fold(name), unit["id"])

    def named(self, name: str) -> str | None:
        return self.by_name.get(fold(name))

    @lru_cache(maxsize=None)  # a commune and its agencies ask the same question
    def commune(self, ward: str, district: str, old_province: str) -> tuple[str | None, list[str]]:
        """The new commune that takes an old one over, and the others of a split."""
        from vietnamadminunits import convert_address
        converted = convert_address(f"{ward}, {district}, {old_province}")
        first = self.named(converted.ward) if converted.ward else None
        others = [self.named(w) for w in _split_between(ward, district, old_province)]
        return first, [o for o in others if o and o != first]


def _split_between(ward: str, district: str, province: str) -> list[str]:
    """The new wards an old commune was divided between (the conversion's own table)."""
    from vietnamadminunits.converter.converter_2025 import DICT_PROVINCE_WARD_DIVIDED

    def key(name: str) -> str:
        return re.sub(r"[^a-z0-9]", "", fold(name))

    old_key = f"{key(province)}_{key(district)}_{key(ward)}"
    names = _new_ward_names()
    for divided in DICT_PROVINCE_WARD_DIVIDED.values():
        if old_key in divided:
            return [names.get(w["newWardKey"], w["newWardKey"]) for w in divided[old_key]]
    return []


@lru_cache(maxsize=1)
def _new_ward_names() -> dict[str, str]:
    from vietnamadminunits.database import get_data
    return {r["wardKey"]: r["ward"] for r in get_data(["wardKey", "ward"], table="admin_units")}


def _succession(directory: Directory, unit, finder: _Finder, on: dt.date, departments_on: dt.date,
                notes: list[str]) -> dict | None:
    d = directory.spec.directory.id
    entry = {"unit": f"{d}/{unit.id}", "on": on.isoformat()}
    level = unit.level
    if level == Level.district_agency and "cong-an-cap-huyen" in (unit.classes or []):
        # The old province's police first (then on with it to the new province's): a chain.
        police = next((f"{d}/{u.id}" for u in directory.spec.units if u.id == "cong-an-tinh"), None)
        if police or finder.named("Công an tỉnh"):
            return {**entry, "on": DISTRICT_POLICE_ENDED.isoformat(), "to": police or finder.named("Công an tỉnh"),
                    "note": "district police ended on 1 March 2025 (the police's two-level organisation): "
                            "their work went to the provincial police"}
    if level in (Level.district, Level.district_agency):
        return {**entry, "closed": DISTRICTS_ENDED}
    if level in (Level.commune, Level.commune_agency):
        return _commune_succession(directory, unit, finder, entry, notes)
    if level == Level.department and unit.name in REORGANISED:
        # Within the old province first (then on with it to the new one): a chain of successors.
        name = REORGANISED[unit.name]
        same_province = next((f"{d}/{u.id}" for u in directory.spec.units if u.name == name), None)
        target = same_province or finder.named(name)
        return {**entry, "on": departments_on.isoformat(), "to": target,
                "note": f"{unit.name} → {name} (Nghị định 45/2025/NĐ-CP)"} if target else None
    target = finder.named(unit.name) or _agency(unit.id, finder)
    if target:
        return {**entry, "to": target}
    notes.append(f"{d}/{unit.id} ({unit.name}): no successor drafted; name one, or leave it to go on as it is")
    return None


def _agency(old_id: str, finder: _Finder) -> str | None:
    new = AGENCIES.get(old_id, old_id)
    return new if new in finder.by_name.values() else None


def _commune_succession(directory: Directory, unit, finder: _Finder, entry: dict, notes: list[str]) -> dict | None:
    commune = unit if unit.level == Level.commune else directory.units.get(unit.parent)
    district = directory.units.get(commune.parent) if commune and commune.parent else None
    if commune is None or district is None:
        notes.append(f"{entry['unit']}: no commune or district to convert it by; name its successor")
        return None
    ward = _place(commune.name)
    first, others = finder.commune(ward, _place(district.name), directory.spec.directory.name)
    if first is None:
        notes.append(f"{entry['unit']} ({commune.name}): not in the official conversion; name its successor")
        return None
    if unit.level == Level.commune_agency:
        return {**entry, "to": f"{first}-cong-an"}
    if others:
        return {**entry, "to": first, "also": others,
                "note": f"split: {', '.join([first, *others])}; {first} takes the open obligations "
                        "(the official default); share: all gives every part the duty"}
    return {**entry, "to": first}


def _place(name: str) -> str:
    """"UBND phường Nhơn Bình (thành phố Quy Nhơn)" → "phường Nhơn Bình"."""
    return re.sub(r"\s*\(.*\)$", "", re.sub(r"^(UBND|Ủy ban nhân dân|Công an)\s+", "", name)).strip()

