"""The five real 2025 annexes (tests/plans/real-2025, copied from ../shared/plans) import without hand edits,
every cell of every task row as a person reads it (transcribed by hand from the sources)."""


import pytest

from models.plans.intake import import_file
from tests.conftest import TEST_PLANS

REAL = TEST_PLANS / "real-2025"

# file → [(task id, lead phrases, coordinating phrases, timing phrase verbatim, timing kind)]
EXPECTED = {
    "01-ha-noi-310.txt": [
        ("1", ['Ban Quản lý các khu công nghệ cao và khu công nghiệp'], ['Sở Khoa học và Công nghệ', 'Sở Công Thương', 'UBND các phường, xã'], 'Quý III Năm 2026', "once"),
        ("2", ['Ban Quản lý các khu công nghệ cao và khu công nghiệp'], ['Sở Khoa học và Công nghệ', 'Sở Công Thương', 'Các doanh nghiệp viễn thông'], 'Quý IV/2025- Quý II/2026', "window"),
        ("3", ['Ban Quản lý các khu công nghệ cao và khu công nghiệp'], ['Sở Tài chính'], 'Thường xuyên', "continuous"),
        ("4", ['Ban Quản lý các khu công nghệ cao và khu công nghiệp'], ['Các doanh nghiệp đầu tư hạ tầng'], 'Thường xuyên', "continuous"),
        ("5", ['Doanh nghiệp', 'nhà cung cấp dịch vụ IoT', 'nhà đầu tư'], ['Ban Quản lý các khu công nghệ cao và khu công nghiệp', 'Sở Khoa học và Công nghệ', 'Sở Công Thương'], 'Thường xuyên', "continuous"),
        ("6", ['Ban Quản lý các khu công nghệ cao và khu công nghiệp'], ['Sở Khoa học và Công nghệ'], 'Hàng năm', "annual"),
    ],
    "02-dong-thap-617.txt": [
        ("1", ['Sở KH&CN'], ['Các sở, ban, ngành tỉnh', 'UBND các xã, phường'], 'Thường xuyên', "continuous"),
        ("2", ['Sở KH&CN'], ['Các sở, ban, ngành tỉnh', 'UBND các xã, phường'], 'Thường xuyên', "continuous"),
        ("3", ['Sở Nội vụ'], ['Sở KH&CN', 'các cơ quan, đơn vị liên quan'], 'Thường xuyên, hằng năm', "continuous"),
        ("4", ['Sở KH&CN'], ['Các sở, ban, ngành tỉnh'], 'Quí IV-2025', "once"),
        ("5", ['Sở Công Thương'], ['UBND các xã, phường'], 'Quí IV-2025', "once"),
        ("6", ['Sở KH&CN'], ['Các sở, ban, ngành tỉnh', 'các đơn vị liên quan', 'UBND các xã, phường'], 'Quí IV-2025', "once"),
        ("7", ['Sở KH&CN'], ['Các sở, ban, ngành tỉnh', 'các đơn vị liên quan', 'UBND các xã, phường'], 'Hằng năm', "annual"),
        ("8", ['Sở KH&CN'], ['Ban Quản lý Khu kinh tế', 'Sở Công Thương', 'các doanh nghiệp viễn thông', 'các cơ quan, đơn vị liên quan'], 'Quí IV-2025', "once"),
        ("9", ['Sở KH&CN'], ['Các sở, ban, ngành tỉnh', 'UBND các xã, phường'], 'Thường xuyên', "continuous"),
        ("10", ['Sở KH&CN'], ['Các sở, ban, ngành tỉnh', 'UBND các xã, phường'], 'Thường xuyên', "continuous"),
        ("11", ['Sở KH&CN'], ['Các sở, ban, ngành tỉnh', 'UBND các xã, phường'], 'Quí IV-2025', "once"),
    ],
    "03-nghe-an-980.txt": [
        ("I.1", ['Bộ CHQS tỉnh', 'UBND cấp xã'], ['Văn phòng Ban Chỉ huy', 'các sở, ban, ngành'], 'Trước ngày 30/11/2025', "once"),
        ("II.1", ['Sở Tài chính'], ['Cơ quan, địa phương liên quan'], 'Thường xuyên', "continuous"),
        ("II.2", ['Sở Tài chính'], ['Cơ quan, địa phương liên quan'], '2025', "once"),
        ("II.3", ['Sở Tài chính'], ['Cơ quan, địa phương liên quan'], '2025', "once"),
        ("II.4", ['Sở, ban, ngành', 'tổ chức chính trị - xã hội'], ['Cơ quan liên quan'], '2025', "once"),
        ("II.5", ['Sở Y tế'], ['Sở Tài chính', 'cơ quan, địa phương liên quan'], '2025', "once"),
        ("II.6", ['Sở Khoa học và Công nghệ'], ['Cơ quan, địa phương liên quan'], '2025', "once"),
        ("II.7", ['Sở Xây dựng'], ['Văn phòng Ban Chỉ huy', 'cơ quan, địa phương liên quan'], 'Sau khi có Quy chế của TW', "on_event"),
        ("II.8", ['Sở Xây dựng'], ['Văn phòng Ban Chỉ huy', 'cơ quan, địa phương liên quan'], 'Sau khi có Quy chế của TW', "on_event"),
        ("VI.2", ['Sở Tài chính'], ['Sở Tài chính', 'cơ quan, địa phương liên quan'], '2025', "once"),
        ("VI.3", ['Bộ CHQS tỉnh'], ['Bộ Quốc phòng', 'cơ quan, địa phương liên quan'], '2025', "once"),
        ("VI.4", ['Ban Chỉ huy Phòng thủ dân sự cấp tỉnh', 'Ban Chỉ huy Phòng thủ dân sự cấp xã'], ['Cơ quan có liên quan'], 'Tháng 12 hằng năm', "annual"),
        ("VI.5", ['Ban Chỉ huy Phòng thủ dân sự tỉnh'], ['Cơ quan có liên quan'], 'Thường xuyên', "continuous"),
        ("VI.6", ['Ban Chỉ huy Phòng thủ dân sự tỉnh'], ['Cơ quan, địa phương liên quan'], 'Theo Kế hoạch riêng', "per_rule"),
        ("VII.1", ['Ban Chỉ huy Phòng thủ dân sự cấp tỉnh', 'Ban Chỉ huy Phòng thủ dân sự cấp xã'], ['Cơ quan, địa phương liên quan'], 'Theo Kế hoạch riêng', "per_rule"),
        ("VII.2", ['Ban Chỉ huy Phòng thủ dân sự cấp tỉnh', 'Ban Chỉ huy Phòng thủ dân sự cấp xã'], ['Cơ quan, địa phương liên quan'], 'Theo kế hoạch', "per_rule"),
        ("VIII.1", ['Ban Chỉ huy Phòng thủ dân sự cấp tỉnh', 'Ban Chỉ huy Phòng thủ dân sự cấp xã'], ['Văn phòng Ban Chỉ huy'], '2025', "once"),
        ("VIII.2", ['Sở Nông nghiệp và Môi trường'], ['Các sở, ban, ngành', 'các tổ chức chính trị-xã hội'], '2025', "once"),
    ],
    "04-ho-chi-minh-2820.txt": [
        ("I.1", ['Sở Tài chính'], ['Các sở, ngành', 'UBND xã, phường, đặc khu'], 'Quý IV/2025', "once"),
        ("I.2", ['Sở Tài chính'], ['Các sở, ngành', 'UBND xã, phường, đặc khu'], 'Năm 2025 - 2026', "window"),
        ("I.3", ['Sở Tài chính'], ['Các sở, ngành', 'UBND xã, phường, đặc khu'], 'Năm 2025 - 2026', "window"),
        ("I.4", ['Các sở, ngành', 'UBND xã, phường, đặc khu'], ['Sở Tài chính'], 'Quý II/2027', "once"),
        ("II.1", ['Trung tâm Chuyển đổi số Thành phố'], ['Sở Khoa học và Công nghệ', 'các sở, ngành', 'UBND xã, phường, đặc khu'], 'Quý IV/2026', "once"),
        ("II.1.b", ['Trung tâm Chuyển đổi số Thành phố'], ['Sở Khoa học và Công nghệ', 'các sở, ngành', 'UBND xã, phường, đặc khu'], 'Quý IV/2026', "once"),
        ("II.2", ['Sở Tài chính'], ['Các sở, ngành', 'UBND xã, phường, đặc khu'], 'Quý IV/2026', "once"),
        ("II.3", ['Trung tâm Chuyển đổi số Thành phố'], ['Sở Tài chính', 'Sở Khoa học và Công nghệ', 'các sở, ngành', 'UBND xã, phường, đặc khu'], 'Quý IV/2026', "once"),
        ("III.1", ['Các sở, ngành', 'UBND xã, phường, đặc khu'], ['Sở Tài chính'], 'Quý IV/2026', "once"),
        ("III.2", ['Các sở, ngành', 'UBND xã, phường, đặc khu'], ['Sở Tài chính'], 'Quý IV/2026', "once"),
        ("III.3", ['UBND xã, phường, đặc khu'], ['Các sở, ngành'], 'Quý IV/2026', "once"),
        ("III.4", ['Sở Tài chính'], ['Các sở, ngành', 'UBND xã, phường, đặc khu'], 'Quý IV/2026', "once"),
        ("III.5", ['UBND xã, phường, đặc khu'], ['Các sở, ngành'], 'Quý I/2030', "once"),
        ("III.6", ['Các sở, ngành', 'UBND xã, phường, đặc khu'], ['Sở Tài chính'], 'Quý II/2030', "once"),
        ("IV.1", ['Công an Thành phố'], ['Sở Khoa học và Công nghệ', 'các sở, ngành', 'UBND xã, phường, đặc khu'], 'Quý IV/2026', "once"),
        ("IV.2", ['Sở Tài chính'], ['Các sở, ngành', 'UBND xã, phường, đặc khu'], 'Quý IV/2026', "once"),
        ("IV.2.b", ['Sở Khoa học và Công nghệ'], ['Sở Tài chính'], 'Quý IV/2026', "once"),
        ("IV.3", ['Sở Tài chính'], ['Các sở, ngành', 'UBND xã, phường, đặc khu'], 'Quý IV/2026', "once"),
        ("IV.4", ['Các sở, ngành', 'UBND xã, phường, đặc khu'], ['Sở Tài chính'], 'Năm 2026', "once"),
        ("IV.4.b", ['Sở Tài chính'], ['Các sở, ngành', 'UBND xã, phường, đặc khu'], 'Năm 2026', "once"),
        ("V.1", ['Sở Khoa học và Công nghệ', 'Trung tâm Chuyển đổi số Thành phố'], ['Sở Nội vụ', 'các sở, ngành', 'UBND xã, phường, đặc khu'], 'Năm 2025-2030', "window"),
        ("V.1.b", ['Sở Tài chính'], ['Sở Nội vụ', 'các sở, ngành', 'UBND xã, phường, đặc khu'], 'Năm 2025-2030', "window"),
        ("V.2", ['Sở Khoa học và Công nghệ', 'Công an Thành phố'], ['Sở Tài chính', 'Sở Nội vụ', 'các sở, ngành', 'UBND xã, phường, đặc khu'], 'Năm 2025-2030', "window"),
        ("V.3", ['Sở Tài chính'], ['Các sở, ngành', 'UBND xã, phường, đặc khu'], 'Năm 2025-2030', "window"),
        ("VI.1", ['Sở Khoa học và Công nghệ', 'Viện Nghiên cứu phát triển Thành phố'], ['Các sở, ngành', 'UBND xã, phường, đặc khu'], 'Hằng năm.', "annual"),
        ("VI.2", ['Sở Tài chính'], ['Các sở, ngành', 'UBND xã, phường, đặc khu'], 'Hằng năm.', "annual"),
        ("VI.3", ['Sở Tài chính'], ['Các sở, ngành', 'UBND xã, phường, đặc khu'], 'Hằng năm.', "annual"),
        ("VI.4", ['Sở Tài chính'], ['Các sở, ngành', 'UBND xã, phường, đặc khu'], 'Khi có phát sinh.', "on_event"),
        ("VI.5", ['Các sở, ngành', 'UBND xã, phường, đặc khu'], ['Sở Tài chính'], 'Thường xuyên, định kỳ hằng quý báo cáo về Sở Tài chính', "continuous"),
    ],
    "05-dong-nai-179.txt": [
        ("A.1.1", ['Sở Tư pháp'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("A.2.1", ['Sở Khoa học và Công nghệ'], ['Các sở, ban, ngành', 'UBND các phường, xã', 'Các doanh nghiệp cung cấp dịch vụ bưu chính'], '2026 - 2030', "window"),
        ("A.2.2", ['Sở Xây dựng'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("A.2.3", ['Sở Công Thương'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("A.2.4", ['Sở Nông nghiệp và Môi trường'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("A.2.5", ['Sở Y tế'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("A.2.6", ['Sở Văn hóa, Thể thao và Du lịch'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("A.2.7", ['Sở Khoa học và Công nghệ'], ['UBND các phường xã', 'Các doanh nghiệp cung cấp dịch vụ viễn thông'], '2026 - 2030', "window"),
        ("A.2.8", ['Ban Quản lý các Khu công nghiệp, khu kinh tế'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("A.2.9", ['Sở Khoa học và Công nghệ'], ['Ban Quản lý các Khu công nghiệp khu kinh tế', 'Sở Tài chính', 'UBND các phường, xã có liên quan'], '2026 - 2030', "window"),
        ("A.3", ['Sở Khoa học và Công nghệ'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026', "once"),
        ("A.4.1", ['Công an tỉnh'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2025', "once"),
        ("A.4.2", ['Các cơ quan quản lý các lĩnh vực trọng điểm tại điểm d, khoản 1, mục III'], ['UBND các phường, xã'], '2026 - 2030', "window"),
        ("A.4.3", ['Sở Khoa học và Công nghệ'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("A.4.4", ['Công an tỉnh'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.4.5", ['Công an tỉnh'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.4.6", ['Công an tỉnh'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.4.7", ['Công an tỉnh'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.5.1", ['Công an tỉnh'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("A.5.2", ['Công an tỉnh'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.5.3", ['Công an tỉnh'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.5.4", ['Công an tỉnh'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.5.5", ['Công an tỉnh'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.5.6", ['Sở Khoa học và Công nghệ'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.5.7", ['Công an tỉnh'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.6.1", ['Sở Giáo dục và Đào tạo'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.6.2", ['Sở Giáo dục và Đào tạo'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.6.3", ['Sở Giáo dục và Đào tạo', 'Sở Văn hóa Thể thao và Du lịch'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.6.4", ['Sở Giáo dục và Đào tạo'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.6.5", ['Các Trường Đại học, Cao đẳng trên địa bàn tỉnh'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.7.1", ['Sở Khoa học và Công nghệ'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.7.2", ['Sở Khoa học và Công nghệ'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.7.3", ['Sở Khoa học và Công nghệ'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.7.4", ['Sở Khoa học và Công nghệ'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.7.5", ['Sở Khoa học và Công nghệ'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.7.6", ['Báo và Phát thanh, Truyền hình Đồng Nai'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.7.7", ['Sở Khoa học và Công nghệ'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.8.1", ['Sở Khoa học và Công nghệ'], ['Sở Tài Chính', 'Sở Sở Công thương'], '2026 - 2030', "window"),
        ("A.8.2", ['Sở Khoa học và Công nghệ'], ['Sở Công Thương', 'Sở Tài Chính', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.8.3", ['Sở Khoa học và Công nghệ'], ['Sở Tài chính', 'Sở Công Thương', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.8.4", ['Sở Tài chính'], ['Sở Công Thương', 'Sở Khoa học và Công nghệ', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.8.5", ['Sở Khoa học và Công nghệ'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.9.1", ['Sở Tài Chính'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.9.2", ['Ngân hàng Nhà nước Việt nam Chi nhánh Khu vực II'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.9.3", ['Sở Khoa học và Công nghệ'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.9.4", ['Sở Y tế', 'Sở Giáo dục và Đào tạo'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("A.9.5", ['Thuế Đồng Nai'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("B.1.1", ['Sở Nông nghiệp và Môi trường'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("B.1.2", ['Sở Nông nghiệp và Môi trường'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("B.1.3", ['Sở Nông nghiệp và Môi trường'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("B.1.4", ['Sở Nông nghiệp và Môi trường'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("B.1.5", ['Sở Nông nghiệp và Môi trường'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("B.1.6", ['Sở Nông nghiệp và Môi trường'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("B.1.7", ['Sở Nông nghiệp và Môi trường'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("B.1.8", ['Sở Nông nghiệp và Môi trường'], ['Sở Khoa học và Công nghệ', 'các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("B.2.1", ['Sở Y tế'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("B.2.2", ['Sở Y tế'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("B.2.3", ['Sở Y tế'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("B.3.1", ['Sở Giáo dục và Đào tạo'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("B.3.2", ['Sở Giáo dục và Đào tạo'], ['Các sở, ban, ngành', 'UBND các phường xã'], '2026 - 2030', "window"),
        ("B.3.3", ['Các trường: Đại học, Cao đẳng, Trung cấp trên địa bàn tỉnh'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("B.4.1", ['Sở Nội vụ'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("B.4.2", ['Sở Nội vụ'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("B.4.3", ['Bảo hiểm xã hội tỉnh'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("B.4.4", ['Sở Y tế'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("B.5.1.1", ['Sở Công Thương'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("B.5.1.2", ['Sở Công Thương'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("B.5.1.3", ['Sở Công Thương'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("B.5.1.4", ['Sở Công Thương'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("B.5.1.5", ['Sở Công Thương'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("B.5.1.6", ['Sở Công Thương'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("B.5.1.7", ['Sở Công Thương'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("B.5.1.8", ['Sở Công Thương'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("B.5.2.1", ['Sở Công Thương'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("B.5.2.2", ['Sở Công Thương'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("B.5.2.3", ['Sở Công Thương'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("B.6.1", ['Sở Văn hóa, Thể thao và Du lịch'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("B.6.2", ['Sở Văn hóa, Thể thao và Du lịch'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("B.6.3", ['Sở Văn hóa, Thể thao và Du lịch'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("B.7.1", ['Sở Xây dựng'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("B.7.2", ['Sở Xây dựng'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026 - 2030', "window"),
        ("C.1.1", ['Sở Khoa học và Công nghệ'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2025', "once"),
        ("C.1.2", ['Sở Khoa học và Công nghệ', 'UBND các phường xã'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026-2030', "window"),
        ("C.2.1", ['Sở Khoa học và Công nghệ'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026-2030', "window"),
        ("C.2.2", ['Sở Khoa học và Công nghệ', 'Sở Ngoại vụ'], ['Các sở, ban, ngành'], '2026-2030', "window"),
        ("C.3.1", ['Sở Khoa học và Công nghệ'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026-2030', "window"),
        ("C.3.2", ['Sở Khoa học và Công nghệ'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026-2030', "window"),
        ("C.3.3", ['Sở Khoa học và Công nghệ'], ['Báo và Phát thanh, Truyền hình tỉnh Đồng Nai'], '2026-2030', "window"),
        ("C.4.1", ['Sở Khoa học và Công nghệ'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026-2030', "window"),
        ("C.5.1", ['Sở Tài chính'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026-2030', "window"),
        ("C.5.2", ['Sở Tài chính'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026-2030', "window"),
        ("C.6.1", ['Sở Khoa học và Công nghệ'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026-2030', "window"),
        ("C.6.2", ['Sở Khoa học và Công nghệ'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026-2030', "window"),
        ("C.6.3", ['Sở Nông nghiệp và Môi trường'], ['Các sở, ban, ngành', 'UBND các phường, xã'], '2026-2030', "window"),
    ],
}

AREAS = {
    "01-ha-noi-310.txt": [],
    "02-dong-thap-617.txt": ["I", "II", "III", "IV"],
    "03-nghe-an-980.txt": ["I", "II", "VI", "VII", "VIII"],
    "04-ho-chi-minh-2820.txt": ["I", "II", "III", "IV", "V", "VI"],
    "05-dong-nai-179.txt": ["A", "A.I", "A.II", "A.III", "A.IV", "A.V", "A.VI", "A.VII", "A.VIII", "A.IX",
                            "B", "B.I", "B.II", "B.III", "B.IV", "B.V", "B.V.5.1", "B.V.5.2", "B.VI", "B.VII",
                            "C", "C.I", "C.II", "C.III", "C.IV", "C.V", "C.VI"],
}


@pytest.fixture(scope="module")
def imported():
    if not REAL.is_dir():
        pytest.fail(f"{REAL} is missing: these tests read the real 2025 plans copied into tests/plans")
    return {name: import_file(REAL / name) for name in EXPECTED}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_real_plan_imports_every_cell(imported, name):
    result = imported[name]
    assert result.errors == [], [str(e) for e in result.errors]
    got = [(t["id"], list(t["lead"]), list(t["coordinating"]), dict(t["timing"])["phrase"], dict(t["timing"])["kind"])
           for t in result.plan["tasks"]]
    assert got == EXPECTED[name]
    assert [a["id"] for a in result.plan["areas"]] == AREAS[name]


def test_what_was_read_through_is_said(imported):
    nghe_an = [str(w) for w in imported["03-nghe-an-980.txt"].warnings]
    assert any(":175: table: the text is cut here" in w for w in nghe_an), nghe_an
    assert any("section VI, whose heading is lost" in w for w in nghe_an), nghe_an
    dong_nai = [str(w) for w in imported["05-dong-nai-179.txt"].warnings]
    assert any('section "IV" appears twice' in w and 'read as "V"' in w for w in dong_nai), dong_nai


def test_extra_columns_are_kept_on_the_task(imported):
    hcm = {t["id"]: t for t in imported["04-ho-chi-minh-2820.txt"].plan["tasks"]}
    assert hcm["I.1"]["outputs"] == "Luật Quy hoạch, Quyết định của cấp có thẩm quyền"
    assert hcm["I.1"]["funding"] == "Chi thường xuyên hoặc nguồn vốn hợp pháp khác (nếu có)"
    assert hcm["II.1.b"]["text"].startswith("Xây dựng hạ tầng kỹ thuật dự phòng")  # a row with no number of its own
    then = dict(hcm["VI.5"]["timing"])["then"]
    assert [dict(p) for p in then] == [{"phrase": "định kỳ hằng quý báo cáo về Sở Tài chính", "kind": "quarterly",
                                        "report_to": "Sở Tài chính"}]


def test_plan_details_come_from_the_annex_heading(imported):
    info = dict(imported["03-nghe-an-980.txt"].plan["plan"])
    assert (info["number"], info["issued_on"], info["issued_by"]) == ("980/KH-UBND", "2025-11-18", "UBND tỉnh Nghệ An")
    hcm = dict(imported["04-ho-chi-minh-2820.txt"].plan["plan"])
    assert (hcm["number"], hcm["issued_by"]) == ("2820/QĐ-UBND", "UBND Thành phố Hồ Chí Minh")


def test_the_title_keeps_the_place_name(imported):
    title = dict(imported["01-ha-noi-310.txt"].plan["plan"])["title"]
    assert title.endswith("trên địa bàn thành phố Hà Nội đến năm 2030") and "5G, IoT" in title
