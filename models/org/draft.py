"""Drafting a province's org directory from the official administrative lists.

Two maps, both from packages that carry the official lists, never typed by hand:

- **2025** (the default): the two-level map in force since 1 July 2025, 34 provinces, each
  with its communes, wards and special zones and their official codes, no district level
  (`vietnamadminunits`); departments as Nghị định 45/2025/NĐ-CP organises them.
- **2020**: the three-level map of 63 provinces with their districts and communes
  (`vietnam-provinces` 0.5.0, GSO codes); departments of Nghị định 24/2014/NĐ-CP.

Departments and the agencies every province has come from one template; an admin then
completes contacts and adds what differs locally (Sở Ngoại vụ, Sở Dân tộc và Tôn giáo …).
"""

from __future__ import annotations

import json
import re
from importlib.metadata import version
from pathlib import Path

import vietnam_provinces

from models.common.text import fold, nfc
from models.common.yamlio import load_yaml

# Specialised agencies of a provincial People's Committee (Decree 24/2014/NĐ-CP,
# Arts. 8-9, as in force in 2019), each with the short forms plans use.
DEPARTMENTS = [
    ("so-noi-vu", "Sở Nội vụ", []),
    ("so-tu-phap", "Sở Tư pháp", []),
    ("so-ke-hoach-dau-tu", "Sở Kế hoạch và Đầu tư", ["Sở KH&ĐT", "Sở Kế hoạch - Đầu tư"]),
    ("so-tai-chinh", "Sở Tài chính", []),
    ("so-cong-thuong", "Sở Công Thương", []),
    ("so-nong-nghiep-ptnt", "Sở Nông nghiệp và Phát triển nông thôn", ["Sở Nông nghiệp và PTNT", "Sở NN&PTNT"]),
    ("so-giao-thong-van-tai", "Sở Giao thông vận tải", ["Sở GTVT"]),
    ("so-xay-dung", "Sở Xây dựng", []),
    ("so-tai-nguyen-moi-truong", "Sở Tài nguyên và Môi trường", ["Sở TN&MT", "Sở Tài nguyên - Môi trường"]),
    ("so-thong-tin-truyen-thong", "Sở Thông tin và Truyền thông", ["Sở TT&TT", "Sở Thông tin - Truyền thông"]),
    ("so-lao-dong-tbxh", "Sở Lao động - Thương binh và Xã hội",
     ["Sở Lao động, Thương binh và Xã hội", "Sở LĐ-TB&XH", "Sở LĐTBXH"]),
    ("so-van-hoa-the-thao-du-lich", "Sở Văn hóa, Thể thao và Du lịch", ["Sở VHTTDL"]),
    ("so-khoa-hoc-cong-nghe", "Sở Khoa học và Công nghệ", ["Sở KH&CN"]),
    ("so-giao-duc-dao-tao", "Sở Giáo dục và Đào tạo", ["Sở GD&ĐT", "Sở Giáo dục - Đào tạo"]),
    ("so-y-te", "Sở Y tế", []),
    ("so-ngoai-vu", "Sở Ngoại vụ", []),
    ("thanh-tra-tinh", "Thanh tra tỉnh", []),
    ("van-phong-ubnd-tinh", "Văn phòng UBND tỉnh", ["Văn phòng Ủy ban nhân dân tỉnh", "VP UBND tỉnh"]),
    ("ban-dan-toc", "Ban Dân tộc", ["Ban Dân tộc tỉnh"]),
]

# Departments as Nghị định 45/2025/NĐ-CP (28/02/2025) organises them in every province: the
# twelve uniform ones. Sở Ngoại vụ, Sở Dân tộc và Tôn giáo, Sở Du lịch and (Hà Nội, TP HCM)
# Sở Quy hoạch - Kiến trúc exist only where the province set them up: the admin adds them.
DEPARTMENTS_2025 = [
    ("so-noi-vu", "Sở Nội vụ", []),  # took over Lao động - Thương binh và Xã hội
    ("so-tu-phap", "Sở Tư pháp", []),
    ("so-tai-chinh", "Sở Tài chính", []),  # took over Kế hoạch và Đầu tư
    ("so-cong-thuong", "Sở Công Thương", []),
    ("so-nong-nghiep-moi-truong", "Sở Nông nghiệp và Môi trường", ["Sở NN&MT"]),  # NN&PTNT with TN&MT
    ("so-xay-dung", "Sở Xây dựng", []),  # took over Giao thông vận tải
    ("so-khoa-hoc-cong-nghe", "Sở Khoa học và Công nghệ", ["Sở KH&CN"]),  # took over Thông tin và Truyền thông
    ("so-van-hoa-the-thao-du-lich", "Sở Văn hóa, Thể thao và Du lịch", ["Sở VHTTDL"]),
    ("so-giao-duc-dao-tao", "Sở Giáo dục và Đào tạo", ["Sở GD&ĐT"]),
    ("so-y-te", "Sở Y tế", []),
    ("thanh-tra-tinh", "Thanh tra tỉnh", []),
    ("van-phong-ubnd-tinh", "Văn phòng UBND tỉnh", ["Văn phòng Ủy ban nhân dân tỉnh", "VP UBND tỉnh"]),
]

# Classes plans name; a class with a level takes every unit of that level. Their wordings
# ("UBND các xã, phường, đặc khu" …) come from plans/vocab/units.yaml, the one list of them.
CLASSES = [
    {"id": "ubnd-cap-huyen", "name": "UBND cấp huyện", "level": "district"},
    {"id": "ubnd-cap-xa", "name": "UBND cấp xã", "level": "commune"},
    {"id": "cac-so-ban-nganh", "name": "Các sở, ban, ngành", "level": "department"},
    {"id": "co-quan-bao-chi", "name": "Các cơ quan thông tấn báo chí", "level": "press"},
    # Named in plans as coordinators with no fixed membership: informed, never chased.
    {"id": "co-quan-lien-quan", "name": "Các cơ quan có liên quan"},
    {"id": "cong-an-cap-huyen", "name": "Công an cấp huyện", "aliases": ["Công an các huyện, thị xã, thành phố"]},
    {"id": "thanh-tra-cap-huyen", "name": "Thanh tra cấp huyện", "aliases": ["Thanh tra các huyện, thị xã, thành phố"]},
    {"id": "mttq-cap-huyen", "name": "Ủy ban MTTQ Việt Nam cấp huyện",
     "aliases": ["Ủy ban Mặt trận Tổ quốc Việt Nam cấp huyện", "UBMTTQ Việt Nam cấp huyện", "Ủy ban MTTQ cấp huyện"]},
    {"id": "cong-an-cap-xa", "name": "Công an cấp xã"},
]


def _classes(names_from_vocabulary: bool = True) -> list[dict]:
    """The classes, each with every wording the shipped vocabulary knows for it."""
    from models.org.vocabulary import vocabulary_entries
    wordings = {entry["name"]: entry.get("aliases", []) for entry in vocabulary_entries("classes")}
    out = []
    for spec in CLASSES:
        aliases = [a for a in [*spec.get("aliases", []), *wordings.get(spec["name"], [])] if a != spec["name"]]
        out.append({**spec, "aliases": list(dict.fromkeys(aliases))} if aliases else dict(spec))
    return out

# Per district: (id suffix, name prefix, class).
DISTRICT_AGENCIES = [
    ("cong-an", "Công an", "cong-an-cap-huyen"),
    ("thanh-tra", "Thanh tra", "thanh-tra-cap-huyen"),
    ("mttq", "Ủy ban MTTQ Việt Nam", "mttq-cap-huyen"),
]


def _divisions() -> list[dict]:
    with open(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as f:
        return json.load(f)


def find_province(query: str) -> dict:
    """A province by GSO code ("52") or name ("Bình Định", "binh dinh")."""
    provinces = _divisions()
    for p in provinces:
        if query.strip() == str(p["code"]) or fold(query) in {fold(p["name"]), fold(_bare(p["name"]))}:
            return p
    raise LookupError(f'no province "{query}" in vietnam-provinces {version("vietnam-provinces")}')


def _bare(name: str) -> str:
    """'Tỉnh Bình Định' → 'Bình Định'; 'Thành phố Hà Nội' → 'Hà Nội'."""
    for prefix in ("Thành phố ", "Tỉnh "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _lower_first(name: str) -> str:
    return name[0].lower() + name[1:]


MAPS = ("2025", "2020")


def draft_directory(query: str, map_: str = "2025") -> dict:
    if map_ not in MAPS:
        raise LookupError(f'no map "{map_}": expected one of {", ".join(MAPS)}')
    return draft_2025(query) if map_ == "2025" else draft_2020(query)


def draft_2020(query: str) -> dict:
    province = find_province(query)
    short = _bare(province["name"])
    local = [unit for district in province["districts"] for unit in _district_units(district)]
    return _directory(province["name"], province["code"], DEPARTMENTS, _province_agencies(short), local,
                      f"vietnam-provinces {version('vietnam-provinces')} (GSO codes); "
                      "departments from Decree 24/2014/NĐ-CP")


def _directory(name: str, code: int, departments: list, agencies: list[dict], local: list[dict], source: str) -> dict:
    """A drafted directory: the provincial People's Committee, departments, agencies, and the
    local units (districts and communes, or communes alone) of either map."""
    short = _bare(name)
    units = [{"id": "ubnd-tinh", "name": "UBND tỉnh", "aliases": ["Ủy ban nhân dân tỉnh", f"UBND tỉnh {short}"],
              "level": "province", "gso_code": code}]
    units += [{"id": uid, "name": n, "aliases": aliases, "level": "department"} for uid, n, aliases in departments]
    return {"directory": {"id": fold(short).replace(" ", "-"), "name": name, "gso_code": code, "source": source},
            "classes": _classes(), "units": [_without_empty(u) for u in [*units, *agencies, *local]]}


# --- the 2025 map ----------------------------------------------------------------------

def _admin_units_2025() -> list[dict]:
    from vietnamadminunits.database import get_data
    return get_data(["province", "provinceCode", "ward", "wardType", "wardCode"], table="admin_units")


def find_province_2025(query: str) -> list[dict]:
    """A province of the 34 by code ("52") or name ("Gia Lai", "tỉnh gia lai"): its wards."""
    rows = _admin_units_2025()
    wanted = query.strip()
    found = [r for r in rows if wanted == str(int(r["provinceCode"])) or wanted == r["provinceCode"]
             or fold(wanted) in {fold(r["province"]), fold(_bare(r["province"]))}]
    if not found:
        merged = merged_into(query)
        hint = (f'{query} became part of {merged} on 1 July 2025: draft --province "{merged}", or --map 2020 for '
                f"{query} as it was") if merged else "draft it with --map 2020 if it is a province of the old map"
        raise LookupError(f'no province "{query}" on the 2025 map: {hint}')
    return found


def merged_into(old_name: str) -> str | None:
    """The 2025 province an old one became part of (the official 63 → 34 conversion)."""
    from vietnamadminunits.converter.converter_2025 import DICT_PROVINCE  # the official conversion table
    from vietnamadminunits.database import get_data
    old_key = fold(_bare(old_name)).replace(" ", "")
    names = {r["provinceKey"]: r["province"] for r in get_data(["provinceKey", "province"], table="admin_units")}
    for new_key, old_keys in DICT_PROVINCE.items():
        if any(k.endswith(old_key) and k[:-len(old_key)] in ("tinh", "thanhpho") for k in old_keys):
            return _bare(names.get(new_key, new_key))
    return None


PROVINCE_DEPARTMENTS = Path(__file__).resolve().parents[2] / "plans" / "org" / "departments-2025.yaml"
OPTIONAL_2025 = ["Sở Ngoại vụ", "Sở Dân tộc và Tôn giáo", "Sở Du lịch", "Sở Quy hoạch - Kiến trúc"]


def draft_2025(query: str) -> dict:
    wards = find_province_2025(query)
    name, code = wards[0]["province"], int(wards[0]["provinceCode"])
    local = [unit for ward in sorted(wards, key=lambda w: int(w["wardCode"])) for unit in _commune_units_2025(ward)]
    departments, source = departments_2025(code)
    draft = _directory(name, code, departments, _province_agencies_2025(_bare(name)), local,
                       f"vietnamadminunits {version('vietnamadminunits')} (the 34-province map of 1 July 2025, "
                       f"official codes); departments: {source}")
    return _as_a_city(draft) if name.startswith("Thành phố ") else draft


def departments_2025(code: int) -> tuple[list[tuple[str, str, list[str]]], str]:
    """The province's departments and where they come from: the uniform twelve of Nghị định
    45/2025/NĐ-CP, changed as plans/org/departments-2025.yaml records for the province."""
    own = (load_yaml(PROVINCE_DEPARTMENTS) or {}).get("provinces", {}).get(f"{code:02d}")
    if own is None:
        return DEPARTMENTS_2025, ("Nghị định 45/2025/NĐ-CP, the twelve every province has; check the province's "
                                  f"decision for those only some have ({', '.join(OPTIONAL_2025)})")
    kept = [d for d in DEPARTMENTS_2025 if d[0] not in own.get("without", [])]
    added = [(d["id"], d["name"], d.get("aliases", [])) for d in own.get("add", [])]
    return kept + added, " ".join(own["source"].split())


def _as_a_city(draft: dict) -> dict:
    """A centrally-run city writes "thành phố" where a province writes "tỉnh" ("UBND thành phố",
    "Công an thành phố"); the province's wording stays an alias, as generic plans use it."""
    for unit in draft["units"]:
        if unit["level"] in ("commune", "commune_agency"):
            continue
        city = re.sub(r"\btỉnh\b", "thành phố", unit["name"])
        if city != unit["name"]:
            aliases = [re.sub(r"\btỉnh\b", "thành phố", a) for a in unit.get("aliases", [])]
            unit["aliases"] = list(dict.fromkeys([*aliases, unit["name"], *unit.get("aliases", [])]))
            unit["name"] = city
    return draft


def _province_agencies_2025(short: str) -> list[dict]:
    return [
        {"id": "cong-an-tinh", "name": "Công an tỉnh", "level": "central"},
        {"id": "bhxh-tinh", "name": "Bảo hiểm xã hội tỉnh", "aliases": ["BHXH tỉnh"], "level": "central"},
        {"id": "thue-tinh", "name": f"Thuế tỉnh {short}", "aliases": ["Thuế tỉnh", "Cục Thuế tỉnh"], "level": "central"},
        {"id": "mttq-tinh", "name": "Ủy ban MTTQ Việt Nam tỉnh",
         "aliases": ["Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", "UBMTTQ Việt Nam tỉnh"], "level": "mass_org"},
        {"id": "bao-ptth-tinh", "name": f"Báo và Phát thanh, Truyền hình {short}",
         "aliases": ["Báo và Phát thanh, Truyền hình tỉnh"], "level": "press"},
    ]


def _commune_units_2025(ward: dict) -> list[dict]:
    wid = f"xa-{int(ward['wardCode'])}"
    place = _lower_first(nfc(ward["ward"]))  # "phường Quy Nhơn Bắc", "xã An Nhơn", "đặc khu Lý Sơn"
    return [{"id": wid, "name": f"UBND {place}", "aliases": [nfc(ward["ward"])], "level": "commune",
             "gso_code": int(ward["wardCode"])},
            {"id": f"{wid}-cong-an", "name": f"Công an {place}", "level": "commune_agency", "parent": wid,
             "classes": ["cong-an-cap-xa"]}]


def _province_agencies(short: str) -> list[dict]:
    return [
        {"id": "cong-an-tinh", "name": "Công an tỉnh", "level": "central"},
        {"id": "bhxh-tinh", "name": "Bảo hiểm xã hội tỉnh", "aliases": ["BHXH tỉnh"], "level": "central"},
        {"id": "cuc-thue-tinh", "name": "Cục Thuế tỉnh", "level": "central"},
        {"id": "kho-bac-tinh", "name": "Kho bạc Nhà nước tỉnh", "level": "central"},
        {"id": "dien-luc", "name": f"Điện lực {short}", "aliases": [f"Công ty Điện lực {short}"], "level": "central"},
        {"id": "mttq-tinh", "name": "Ủy ban MTTQ Việt Nam tỉnh",
         "aliases": ["Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", "UBMTTQ Việt Nam tỉnh"], "level": "mass_org"},
        {"id": "bao-tinh", "name": f"Báo {short}", "level": "press"},
        {"id": "dai-pt-th-tinh", "name": f"Đài Phát thanh và Truyền hình {short}",
         "aliases": ["Đài Phát thanh và Truyền hình tỉnh", "Đài PT và TH tỉnh"], "level": "press"},
    ]


def _district_units(district: dict) -> list[dict]:
    did = f"huyen-{district['code']}"
    place = _lower_first(nfc(district["name"]))  # "thành phố Quy Nhơn"
    units = [{"id": did, "name": f"UBND {place}", "aliases": [nfc(district["name"])], "level": "district",
              "gso_code": district["code"]}]
    units += [{"id": f"{did}-{suffix}", "name": f"{prefix} {place}", "level": "district_agency",
               "parent": did, "classes": [class_id]} for suffix, prefix, class_id in DISTRICT_AGENCIES]
    for ward in district["wards"]:
        wid = f"xa-{ward['code']}"
        ward_place = f"{_lower_first(nfc(ward['name']))} ({place})"
        units.append({"id": wid, "name": f"UBND {ward_place}", "level": "commune", "parent": did,
                      "gso_code": ward["code"]})
        units.append({"id": f"{wid}-cong-an", "name": f"Công an {ward_place}", "level": "commune_agency",
                      "parent": wid, "classes": ["cong-an-cap-xa"]})
    return units


def _without_empty(unit: dict) -> dict:
    return {k: v for k, v in unit.items() if v not in ([], None)}
