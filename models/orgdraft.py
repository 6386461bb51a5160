"""Drafting a province's org directory from the official administrative lists.

District and commune lists come from the `vietnam-provinces` package (the General
Statistics Office's codes), never typed by hand. Departments and the agencies every
province has are added from one template; an admin then completes contacts and
renames what differs locally (e.g. a province with a separate Sở Du lịch).
"""

from __future__ import annotations

import json
from importlib.metadata import version

import vietnam_provinces

from models.text import fold, nfc

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

# Classes plans name; a class with a level takes every unit of that level.
CLASSES = [
    {"id": "ubnd-cap-huyen", "name": "UBND cấp huyện", "level": "district",
     "aliases": ["Ủy ban nhân dân cấp huyện", "UBND các huyện, thị xã, thành phố",
                 "UBND các huyện, thị xã, thành phố thuộc tỉnh", "UBND huyện, thị xã, thành phố"]},
    {"id": "ubnd-cap-xa", "name": "UBND cấp xã", "level": "commune",
     "aliases": ["Ủy ban nhân dân cấp xã", "UBND các xã, phường, thị trấn", "UBND xã, phường, thị trấn"]},
    {"id": "cac-so-ban-nganh", "name": "Các sở, ban, ngành", "level": "department",
     "aliases": ["Các sở, ban, ngành tỉnh", "Các sở, ban, ngành thuộc tỉnh", "Các sở, ngành",
                 "Sở, ban, ngành", "Các cơ quan chuyên môn thuộc tỉnh", "Các cơ quan chuyên môn thuộc UBND tỉnh"]},
    {"id": "co-quan-bao-chi", "name": "Các cơ quan thông tấn báo chí", "level": "press",
     "aliases": ["Các cơ quan thông tấn, báo chí", "Các cơ quan báo chí", "Cơ quan báo chí"]},
    # Named in plans as coordinators with no fixed membership: informed, never chased.
    {"id": "co-quan-lien-quan", "name": "Các cơ quan có liên quan",
     "aliases": ["Các cơ quan liên quan", "Các đơn vị có liên quan", "Các cơ quan, đơn vị có liên quan",
                 "Các cơ quan, đơn vị liên quan", "Các đơn vị liên quan"]},
    {"id": "cong-an-cap-huyen", "name": "Công an cấp huyện", "aliases": ["Công an các huyện, thị xã, thành phố"]},
    {"id": "thanh-tra-cap-huyen", "name": "Thanh tra cấp huyện", "aliases": ["Thanh tra các huyện, thị xã, thành phố"]},
    {"id": "mttq-cap-huyen", "name": "Ủy ban MTTQ Việt Nam cấp huyện",
     "aliases": ["Ủy ban Mặt trận Tổ quốc Việt Nam cấp huyện", "UBMTTQ Việt Nam cấp huyện", "Ủy ban MTTQ cấp huyện"]},
    {"id": "cong-an-cap-xa", "name": "Công an cấp xã", "aliases": ["Công an các xã, phường, thị trấn"]},
]

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


def draft_directory(query: str) -> dict:
    province = find_province(query)
    short = _bare(province["name"])
    units = [{"id": "ubnd-tinh", "name": "UBND tỉnh", "aliases": ["Ủy ban nhân dân tỉnh", f"UBND tỉnh {short}"],
              "level": "province", "gso_code": province["code"]}]
    units += [{"id": uid, "name": name, "aliases": aliases, "level": "department"}
              for uid, name, aliases in DEPARTMENTS]
    units += _province_agencies(short)
    for district in province["districts"]:
        units += _district_units(district)
    return {
        "directory": {"id": fold(short).replace(" ", "-"), "name": province["name"], "gso_code": province["code"],
                      "source": f"vietnam-provinces {version('vietnam-provinces')} (GSO codes); "
                                "departments from Decree 24/2014/NĐ-CP"},
        "classes": CLASSES,
        "units": [_without_empty(u) for u in units],
    }


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
