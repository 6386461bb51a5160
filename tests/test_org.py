"""The shipped Bình Định directory, phrase splitting and resolution, directory errors."""

import pytest

from models.org.directory import cycles, load_directory
from models.common.yamlio import InputError
from tests.conftest import ROOT


def test_binh_dinh_has_its_real_districts_and_communes(directory):
    units = directory.spec.units
    districts = [u for u in units if u.level == "district"]
    communes = [u for u in units if u.level == "commune"]
    assert len(districts) == 11 and len(communes) == 159
    assert {u.gso_code for u in districts} == {540, 542, 543, 544, 545, 546, 547, 548, 549, 550, 551}
    quy_nhon = directory.units["huyen-540"]
    assert quy_nhon.name == "UBND thành phố Quy Nhơn"
    assert all(directory.units[c.parent].level == "district" for c in communes)


@pytest.mark.parametrize("phrase,size", [
    ("UBND cấp huyện", 11), ("UBND cấp xã", 159), ("Công an cấp xã", 159), ("Thanh tra cấp huyện", 11),
    ("Các sở, ban, ngành", 20), ("Các cơ quan thông tấn báo chí", 2), ("Sở Tư pháp", 1),
    ("Các cơ quan có liên quan", 0),
])
def test_classes_expand_to_their_members(directory, phrase, size):
    assert len(directory.expand(phrase)) == size


@pytest.mark.parametrize("cell,phrases", [
    ("Sở Tư pháp; UBND cấp huyện; UBND cấp xã", ["Sở Tư pháp", "UBND cấp huyện", "UBND cấp xã"]),
    ("Sở Nội vụ, UBND cấp huyện", ["Sở Nội vụ", "UBND cấp huyện"]),
    ("Các sở, ban, ngành; UBND cấp huyện", ["Các sở, ban, ngành", "UBND cấp huyện"]),
    ("Các sở, ban, ngành UBND cấp huyện; UBND cấp xã", ["Các sở, ban, ngành", "UBND cấp huyện", "UBND cấp xã"]),
    ("Văn phòng UBND tỉnh; Sở Nội vụ; UBND cấp huyện.", ["Văn phòng UBND tỉnh", "Sở Nội vụ", "UBND cấp huyện"]),
    ("Sở Kế hoạch và Đầu tư, Phòng Lạ", ["Sở Kế hoạch và Đầu tư", "Phòng Lạ"]),
    ("  ", []),
])
def test_cells_split_into_known_phrases(directory, cell, phrases):
    assert directory.split(cell) == phrases


def test_resolution_ignores_case_form_and_spacing(directory):
    assert directory.resolve("sở  tư PHÁP").id == "so-tu-phap"
    assert directory.resolve("Sở Văn hoá và Thể thao").id == "so-van-hoa-the-thao"
    assert directory.resolve("Sở Tư Phap") is None
    assert directory.suggest("Sở Tư Phap") == "Sở Tư pháp"
    assert directory.suggest("Sở Tài nguyên Môi trường") == "Sở Tài nguyên và Môi trường"


def _write(tmp_path, text):
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    return path


HEAD = "directory: {id: t, name: Test}\nclasses:\n  - {id: k, name: Lớp}\nunits:\n"


@pytest.mark.parametrize("units,expected", [
    ("  - {id: a, name: A, level: department}\n  - {id: a, name: B, level: department}\n",
     ':6: units[1].id: duplicate id "a"'),
    ("  - {id: a, name: A, level: department, parent: zz}\n", ':5: units[0].parent: unknown unit "zz"'),
    ("  - {id: a, name: A, level: department, classes: [nope]}\n", ':5: units[0].classes[0]: unknown class "nope"'),
    ("  - {id: a, name: A, level: galaxy}\n", ":5: units[0].level: Input should be"),
    ("  - {id: a, name: A, levle: department}\n", ":5: units[0].levle: unknown field"),
    ("  - {id: A B, name: A, level: department}\n", ":5: units[0].id: String should match pattern"),
    ("  - {id: a, name: A, level: department}\n  - {id: b, name: a, level: department}\n",
     'name "a" is also used by unit a'),
])
def test_directory_errors_name_file_line_and_field(tmp_path, units, expected):
    path = _write(tmp_path, HEAD + units)
    with pytest.raises(InputError) as caught:
        load_directory(path)
    assert any(expected in str(p) for p in caught.value.problems), caught.value.problems


# --- today's map ---------------------------------------------------------------------------

def test_todays_gia_lai_is_drafted_from_the_2025_map():
    from models.org.draft import draft_directory
    draft = draft_directory("Gia Lai")
    units = draft["units"]
    communes = [u for u in units if u["level"] == "commune"]
    assert draft["directory"]["gso_code"] == 52 and len(communes) == 135
    assert all(u["gso_code"] for u in communes) and len({u["gso_code"] for u in communes}) == 135
    assert not [u for u in units if u["level"] in ("district", "district_agency")]  # no district level
    departments = {u["name"] for u in units if u["level"] == "department"}
    assert {"Sở Nông nghiệp và Môi trường", "Sở Tài chính", "Sở Xây dựng", "Sở Khoa học và Công nghệ"} <= departments
    assert not departments & {"Sở Kế hoạch và Đầu tư", "Sở Giao thông vận tải", "Sở Tài nguyên và Môi trường",
                              "Sở Thông tin và Truyền thông", "Sở Lao động - Thương binh và Xã hội"}
    assert "Nghị định 45/2025/NĐ-CP" in draft["directory"]["source"]


def test_a_centrally_run_city_is_drafted_with_its_own_departments_and_words():
    """Thành phố Hồ Chí Minh: the fifteen departments its council set up on 01/7/2025 (no combined
    culture-sports-tourism department; Du lịch, An toàn thực phẩm … of its own), and "thành phố"
    where a province writes "tỉnh"; Hà Nội its own fifteen; a province not listed is told what to check."""
    from models.org.draft import draft_directory
    draft = draft_directory("Hồ Chí Minh")
    by_name = {u["name"]: u for u in draft["units"]}
    departments = {n for n, u in by_name.items() if u["level"] == "department"}
    assert len(departments) == 15 and "Sở Văn hóa, Thể thao và Du lịch" not in departments
    assert {"Sở Văn hóa và Thể thao", "Sở Du lịch", "Sở An toàn thực phẩm", "Sở Dân tộc và Tôn giáo"} <= departments
    assert {"UBND thành phố", "Công an thành phố", "Thanh tra thành phố", "Văn phòng UBND thành phố"} <= set(by_name)
    assert "Công an tỉnh" in by_name["Công an thành phố"]["aliases"]  # plans written for provinces still resolve
    assert "Hồ Chí Minh" in draft["directory"]["source"] and "01/7/2025" in draft["directory"]["source"]
    hanoi = {u["name"] for u in draft_directory("Hà Nội")["units"] if u["level"] == "department"}
    assert len(hanoi) == 15 and "Sở Quy hoạch - Kiến trúc" in hanoi
    assert "check the province's decision" in draft_directory("Gia Lai")["directory"]["source"]


def test_the_old_map_is_drafted_from_the_same_installation():
    from models.org.draft import draft_directory
    draft = draft_directory("Bình Định", "2020")
    assert sum(u["level"] == "commune" for u in draft["units"]) == 159
    assert sum(u["level"] == "district" for u in draft["units"]) == 11


def test_a_province_merged_in_2025_says_where_it_went():
    from models.org.draft import draft_directory
    with pytest.raises(LookupError, match='became part of Gia Lai on 1 July 2025'):
        draft_directory("Bình Định")


def test_the_shipped_gia_lai_directory_reads_two_level_plans():
    gia_lai = load_directory(ROOT / "plans" / "org" / "gia-lai.yaml")
    assert len(gia_lai.expand("UBND xã, phường, đặc khu")) == 135
    assert len(gia_lai.expand("UBND các phường, xã")) == 135
    assert gia_lai.resolve("Sở KH&CN").id == "so-khoa-hoc-cong-nghe"
    assert len(gia_lai.expand("Các sở, ban, ngành tỉnh")) == 14  # the 12 of every province, Dân tộc và Tôn giáo, Ngoại vụ
    assert gia_lai.resolve("Sở Dân tộc và Tôn giáo") is not None
    assert gia_lai.expand("UBND cấp huyện") == []  # the old class still resolves, with no members


@pytest.mark.parametrize("after,expected", [
    ({"a": "b", "b": None}, []),
    ({"a": "a"}, [["a", "a"]]),
    ({"c": "a", "a": "b", "b": "c", "x": "a"}, [["a", "b", "c", "a"]]),
    ({"a": "b", "b": "a", "c": "d", "d": "c", "e": "a"}, [["a", "b", "a"], ["c", "d", "c"]]),
    ({"a": "elsewhere"}, []),  # a successor in another directory ends the chain here
])
def test_cycles_are_found_once_each_from_their_smallest_member(after, expected):
    assert sorted(cycles(after)) == expected


def test_cycle_search_stays_linear_on_a_long_chain():
    chain = {f"u{i}": f"u{i + 1}" for i in range(200_000)}
    chain["u200000"] = "u0"
    (loop,) = cycles(chain)
    assert len(loop) == 200_002
