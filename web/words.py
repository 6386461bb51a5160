"""What the dashboard's pages say, in Vietnamese (the default) and English. Jinja escapes
every value put into a page; these are plain text."""

from __future__ import annotations

import datetime as dt

from models.rollup import LABELS, LEVEL_NAMES, Category
from models.workcal import VN

WORDS: dict[str, dict[str, str]] = {
    "vi": {
        "app": "Đôn đốc", "plans": "Kế hoạch", "obligations": "Nhiệm vụ", "decisions": "Chờ xử lý",
        "reach": "Liên lạc", "sign_out": "Đăng xuất", "language": "English",
        "signin_title": "Đăng nhập",
        "signin_how": "Để đăng nhập, gõ /web trong cuộc trò chuyện với bot Đôn đốc: bot gửi một đường liên kết "
                      "dùng một lần, có hiệu lực 10 phút. Quản trị viên cũng có thể cấp đường liên kết.",
        "signin_confirm": "Đăng nhập với đường liên kết này?", "signin_button": "Đăng nhập",
        "join_title": "Nhận nhắc việc qua thư điện tử",
        "join_confirm": "Xác nhận nhận nhắc việc và báo cáo các nhiệm vụ của đơn vị qua địa chỉ thư này?",
        "join_button": "Xác nhận", "join_done": "Đã xác nhận: {address} nhận nhắc việc cho {unit}.",
        "signed_title": "Mở nhiệm vụ", "signed_confirm": "Mở nhiệm vụ này để xem và báo cáo?",
        "signed_button": "Mở nhiệm vụ",
        "signed_refused": "Đường liên kết không dùng được (đã hết hạn, hoặc không đúng). Hãy mở đường liên kết trong "
                          "thư nhắc việc mới nhất.",
        "signin_refused": "Đường liên kết đăng nhập không dùng được ({reason}). Gõ /web trong bot để nhận đường "
                          "liên kết mới.",
        "refused_unknown": "không hợp lệ", "refused_used": "đã được dùng", "refused_expired": "đã hết hạn",
        "signed_in_as": "{contact} · {unit} · {role}",
        "role_coordinator": "điều phối", "role_viewer": "xem", "role_assignee": "đơn vị thực hiện",
        "period": "Kỳ", "all_periods": "Tất cả các kỳ", "show": "Xem",
        "total": "Tổng số", "on_time_rate": "Tỷ lệ đúng hạn", "no_plans": "Chưa có kế hoạch nào để hiển thị.",
        "issued": "ban hành ngày {date}", "coordinator": "Cơ quan điều phối",
        "by_area": "Theo lĩnh vực", "matrix": "Ma trận lĩnh vực × cấp đơn vị",
        "matrix_hint": "Mỗi ô: số nhiệm vụ theo bốn nhóm; màu nền đậm hơn khi tỷ lệ quá hạn cao hơn. "
                       "Bấm vào số để xem danh sách.",
        "area": "Lĩnh vực", "task": "Nhiệm vụ", "level": "Cấp", "unit": "Đơn vị", "former": "Huyện cũ",
        "category": "Tình trạng", "blocked": "Đang vướng mắc", "extension_pending": "Chờ duyệt gia hạn",
        "search": "Tìm đơn vị hoặc nội dung", "filter": "Lọc", "clear": "Bỏ lọc", "any": "Tất cả",
        "found": "{count} nhiệm vụ", "page": "Trang {page}/{pages}", "previous": "« Trước", "next": "Sau »",
        "due": "Hạn", "first_due": "Hạn ban đầu", "status": "Tình trạng", "progress": "Tiến độ",
        "trend": "Tỷ lệ đúng hạn theo kỳ", "outcome": "Kết quả: chỉ số", "outcome_none":
            "Chưa có số liệu chỉ số. Quản trị viên nhập bằng lệnh dondoc outcome import.",
        "score": "Điểm", "rank": "Xếp hạng", "source": "Nguồn", "year": "Năm",
        "served_by": "Các lĩnh vực phục vụ: {areas}", "areas_on_time": "Đúng hạn (các lĩnh vực này)",
        "export": "Xuất báo cáo", "export_xlsx": "Excel (.xlsx)", "export_pdf": "PDF", "export_docx": "Word (.docx)",
        "export_needs_plan": "Chọn một kế hoạch để xuất báo cáo.",
        "obligation": "Nhiệm vụ {code}", "plan": "Kế hoạch", "coordinating": "Đơn vị phối hợp",
        "timeline": "Diễn biến", "evidence": "Minh chứng", "no_evidence": "Chưa có minh chứng.",
        "evidence_file": "Tệp minh chứng (tối đa 20 MB)", "evidence_send": "Gửi minh chứng",
        "evidence_size": "Tệp rỗng hoặc quá 20 MB.",
        "requested": "Xin gia hạn đến", "note": "Ghi chú", "reason": "Lý do",
        "ev_opened": "Mở nhiệm vụ", "ev_progress": "Báo tiến độ", "ev_done": "Báo hoàn thành",
        "ev_blocked": "Báo vướng mắc", "ev_extension_requested": "Xin gia hạn",
        "ev_extension_approved": "Đồng ý gia hạn", "ev_extension_denied": "Không đồng ý gia hạn",
        "ev_postponed": "Tạm hoãn", "ev_resumed": "Tiếp tục", "ev_cancelled": "Hủy", "ev_reassigned": "Chuyển đơn vị",
        "ev_evidence": "Gửi minh chứng", "ev_reminder": "Nhắc việc", "ev_note": "Ghi chú", "ev_refused": "Bị từ chối",
        "ch_telegram": "qua Telegram", "ch_web": "qua trang web", "ch_cli": "bởi quản trị viên",
        "ch_system": "tự động",
        "reminder_state_sent": "đã gửi", "reminder_state_pending": "chờ gửi", "reminder_state_failed": "gửi lỗi",
        "reminder_state_uncertain": "không rõ đã gửi", "reminder_state_sending": "đang gửi",
        "approve": "Đồng ý gia hạn", "deny": "Không đồng ý", "postpone": "Tạm hoãn", "resume": "Tiếp tục",
        "add_note": "Ghi chú", "save": "Lưu", "act_done": "Báo hoàn thành", "act_progress": "Báo tiến độ",
        "act_blocked": "Báo vướng mắc", "act_extension": "Xin gia hạn", "percent": "Phần trăm (0–100)",
        "new_date": "Gia hạn đến (dd/mm/yyyy)", "value_reached": "Giá trị đạt",
        "acted": "Đã ghi nhận.", "not_allowed_now": "Không thực hiện được: {reason}",
        "evidence_first": "Nhiệm vụ này cần minh chứng trước khi báo hoàn thành: gửi tệp minh chứng trước.",
        "bad_percent": "Tiến độ phải là một số từ 0 đến 100.", "bad_date": "Không đọc được ngày, ví dụ 30/09/2019.",
        "reason_needed": "Vui lòng nêu lý do.",
        "decisions_ext": "Đề nghị gia hạn chờ quyết định", "decisions_blocked": "Nhiệm vụ đang vướng mắc",
        "decisions_none": "Không có gì chờ xử lý.", "selected": "Với các mục đã chọn:",
        "done_of": "Đã xử lý {done}/{of} mục.",
        "unit_record": "Kết quả theo kỳ", "contacts": "Người liên hệ", "links": "Kết nối",
        "link_live": "đang liên kết", "link_dead": "liên kết hỏng: {reason}", "link_off": "đã hủy liên kết",
        "never_linked": "Chưa ai liên kết với đơn vị này.", "open_now": "Nhiệm vụ đang mở",
        "invitations": "Lời mời chờ sử dụng", "succeeded_by": "Từ {date} do {unit} đảm nhận.",
        "unreachable": "Đơn vị không liên lạc được", "live_links": "Liên kết đang hoạt động",
        "never": "chưa từng liên kết", "dead_links": "Liên kết hỏng",
        "invite": "Tạo lời mời", "contact_name": "Họ tên người nhận", "role": "Vai trò",
        "role_head": "lãnh đạo đơn vị", "invite_made": "Lời mời cho {contact} ({unit}), dùng một lần, có hiệu lực 7 ngày:",
        "no_bot_name": "Chưa đặt tên bot (DONDOC_BOT_USERNAME): gửi mã sau để người nhận gõ /start {token}.",
        "expires": "Hết hạn", "nothing": "Không có.", "not_found": "Không tìm thấy, hoặc bạn không có quyền xem.",
        "forbidden": "Bạn không có quyền thực hiện thao tác này.", "home": "Về trang chủ",
        "rate_na": "—", "cat_none": "Không có nhiệm vụ.",
    },
    "en": {
        "app": "Dondoc", "plans": "Plans", "obligations": "Obligations", "decisions": "Decisions",
        "reach": "Reach", "sign_out": "Sign out", "language": "Tiếng Việt",
        "signin_title": "Sign in",
        "signin_how": "To sign in, type /web in your chat with the Dondoc bot: it sends a single-use link valid for "
                      "10 minutes. An administrator can also issue one.",
        "signin_confirm": "Sign in with this link?", "signin_button": "Sign in",
        "join_title": "Reminders by e-mail",
        "join_confirm": "Confirm that this address receives reminders and reports on the unit's tasks?",
        "join_button": "Confirm", "join_done": "Confirmed: {address} receives reminders for {unit}.",
        "signed_title": "Open the task", "signed_confirm": "Open this task to read and report on it?",
        "signed_button": "Open the task",
        "signed_refused": "This link cannot be used (expired, or not right). Open the link in the latest reminder.",
        "signin_refused": "This sign-in link cannot be used ({reason}). Type /web in the bot for a new one.",
        "refused_unknown": "unknown", "refused_used": "already used", "refused_expired": "expired",
        "signed_in_as": "{contact} · {unit} · {role}",
        "role_coordinator": "coordinator", "role_viewer": "viewer", "role_assignee": "assignee",
        "period": "Period", "all_periods": "All periods", "show": "Show",
        "total": "Total", "on_time_rate": "On-time rate", "no_plans": "No plans to show yet.",
        "issued": "issued {date}", "coordinator": "Coordinator",
        "by_area": "By area", "matrix": "Areas × unit levels",
        "matrix_hint": "Each cell: obligations in the four categories; a darker cell has more overdue. "
                       "Click a count for the list.",
        "area": "Area", "task": "Task", "level": "Level", "unit": "Unit", "former": "Former district",
        "category": "Category", "blocked": "Blocked", "extension_pending": "Extension pending",
        "search": "Search unit or task", "filter": "Filter", "clear": "Clear", "any": "Any",
        "found": "{count} obligations", "page": "Page {page}/{pages}", "previous": "« Previous", "next": "Next »",
        "due": "Deadline", "first_due": "First deadline", "status": "Status", "progress": "Progress",
        "trend": "On-time rate by period", "outcome": "Outcome: indices", "outcome_none":
            "No index figures yet. An administrator records them with dondoc outcome import.",
        "score": "Score", "rank": "Rank", "source": "Source", "year": "Year",
        "served_by": "Areas serving it: {areas}", "areas_on_time": "On time (those areas)",
        "export": "Export report", "export_xlsx": "Excel (.xlsx)", "export_pdf": "PDF", "export_docx": "Word (.docx)",
        "export_needs_plan": "Choose a plan to export its report.",
        "obligation": "Task {code}", "plan": "Plan", "coordinating": "Coordinating units",
        "timeline": "Timeline", "evidence": "Evidence", "no_evidence": "No evidence yet.",
        "evidence_file": "Evidence file (20 MB at most)", "evidence_send": "Send evidence",
        "evidence_size": "The file is empty or over 20 MB.",
        "requested": "Extension asked until", "note": "Note", "reason": "Reason",
        "ev_opened": "Opened", "ev_progress": "Progress reported", "ev_done": "Reported done",
        "ev_blocked": "Reported blocked", "ev_extension_requested": "Extension requested",
        "ev_extension_approved": "Extension approved", "ev_extension_denied": "Extension denied",
        "ev_postponed": "Postponed", "ev_resumed": "Resumed", "ev_cancelled": "Cancelled", "ev_reassigned": "Reassigned",
        "ev_evidence": "Evidence sent", "ev_reminder": "Reminder", "ev_note": "Note", "ev_refused": "Refused",
        "ch_telegram": "via Telegram", "ch_web": "on the web", "ch_cli": "by an administrator",
        "ch_system": "automatically",
        "reminder_state_sent": "sent", "reminder_state_pending": "waiting", "reminder_state_failed": "failed",
        "reminder_state_uncertain": "may not have gone", "reminder_state_sending": "sending",
        "approve": "Approve extension", "deny": "Deny", "postpone": "Postpone", "resume": "Resume",
        "add_note": "Note", "save": "Save", "act_done": "Report done", "act_progress": "Report progress",
        "act_blocked": "Report blocked", "act_extension": "Ask an extension", "percent": "Percent (0–100)",
        "new_date": "New deadline (dd/mm/yyyy)", "value_reached": "Value reached",
        "acted": "Recorded.", "not_allowed_now": "Not done: {reason}",
        "evidence_first": "This task needs evidence before it is reported done: send the file first.",
        "bad_percent": "Progress is a number from 0 to 100.", "bad_date": "Could not read the date, e.g. 30/09/2019.",
        "reason_needed": "Please give a reason.",
        "decisions_ext": "Extension requests waiting", "decisions_blocked": "Blocked obligations",
        "decisions_none": "Nothing waiting.", "selected": "With the selected:",
        "done_of": "{done} of {of} done.",
        "unit_record": "Record by period", "contacts": "Contacts", "links": "Links",
        "link_live": "linked", "link_dead": "dead link: {reason}", "link_off": "unlinked",
        "never_linked": "Nobody has linked for this unit.", "open_now": "Open obligations",
        "invitations": "Invitations waiting", "succeeded_by": "From {date}, {unit} answers for it.",
        "unreachable": "Units nobody can reach", "live_links": "Live links",
        "never": "never linked", "dead_links": "Dead links",
        "invite": "Create an invitation", "contact_name": "Recipient's name", "role": "Role",
        "role_head": "head of unit", "invite_made": "Invitation for {contact} ({unit}), single use, valid 7 days:",
        "no_bot_name": "No bot name set (DONDOC_BOT_USERNAME): the recipient types /start {token}.",
        "expires": "Expires", "nothing": "None.", "not_found": "Not found, or not yours to see.",
        "forbidden": "You may not do this.", "home": "Home",
        "rate_na": "—", "cat_none": "No obligations.",
    },
}


def word(lang: str, key: str, **values: object) -> str:
    text = WORDS.get(lang, WORDS["vi"]).get(key) or WORDS["vi"][key]
    return text.format(**values) if values else text


def day(moment: dt.datetime | dt.date | None) -> str:
    """dd/mm/yyyy, in Vietnam's time."""
    if moment is None:
        return "—"
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(VN)
    return f"{moment:%d/%m/%Y}"


def day_time(moment: dt.datetime | None) -> str:
    return f"{moment.astimezone(VN):%d/%m/%Y %H:%M}" if moment else "—"


def category_label(lang: str, category: str) -> str:
    return LABELS.get(lang, LABELS["vi"]).get(Category(category), category) if category else ""


def level_label(lang: str, level: str) -> str:
    if lang == "en":
        return level.replace("_", " ")
    return LEVEL_NAMES.get(level, level)


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo", "email": "E-mail", "sms": "SMS"}


def channel_name(channel: str) -> str:
    return CHANNEL_NAMES.get(channel, channel)
