"""What the bot says, in Vietnamese (the default) and English. Messages use Telegram HTML:
every value put into them is escaped by `say`."""

from __future__ import annotations

import datetime as dt
import html

from models.workcal import VN

TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "not_linked": "Tài khoản Telegram này chưa được liên kết với đơn vị nào. Vui lòng dùng đường liên kết mời "
                      "do Sở Nội vụ gửi.",
        "linked": "Đã liên kết với <b>{unit}</b> ({contact}). Gõ /mine để xem các nhiệm vụ của đơn vị.",
        "linked_coordinator": "Đã liên kết với <b>{unit}</b> ({contact}) với vai trò điều phối. "
                              "Gõ /status hoặc /overdue.",
        "invitation_unknown": "Đường liên kết mời không hợp lệ.",
        "invitation_used": "Đường liên kết mời này đã được sử dụng.",
        "invitation_expired": "Đường liên kết mời đã hết hạn. Vui lòng xin đường liên kết mới.",
        "help": "<b>Đôn đốc</b> nhắc việc theo kế hoạch của tỉnh.\n"
                "/mine – các nhiệm vụ đang mở của đơn vị\n"
                "/web – đường liên kết đăng nhập trang theo dõi\n"
                "/huy – hủy thao tác đang làm\n"
                "/lang en – English\n"
                "Dưới mỗi nhiệm vụ có các nút: Đã hoàn thành · Tiến độ · Vướng mắc · Gia hạn · Minh chứng.",
        "help_coordinator": "\n/status – tổng hợp theo lĩnh vực\n/overdue – các đơn vị có nhiệm vụ quá hạn",
        "lang_set": "Đã chuyển sang tiếng Việt.",
        "mine_empty": "Đơn vị không có nhiệm vụ nào đang mở.",
        "card": "<b>Nhiệm vụ {code}</b>: {text}\nKỳ: {period}\nHạn: {due}\nTình trạng: {status}",
        "no_deadline": "thường xuyên (không thời hạn)",
        "b_done": "Đã hoàn thành", "b_checkin": "Đã thực hiện trong kỳ", "b_progress": "Tiến độ",
        "b_blocked": "Vướng mắc", "b_extension": "Gia hạn",
        "b_evidence": "Minh chứng", "b_approve": "Đồng ý", "b_deny": "Từ chối",
        "ask_percent": "Nhiệm vụ {code}: tiến độ đạt bao nhiêu phần trăm? Gõ một số từ 0 đến 100.",
        "bad_percent": "Vui lòng gõ một số từ 0 đến 100, ví dụ 60.",
        "ask_note": "Ghi chú ngắn về tiến độ (hoặc bấm Bỏ qua):",
        "ask_note_group": "Ghi chú ngắn về tiến độ (trả lời tin này; gõ - để bỏ qua):",
        "b_skip": "Bỏ qua",
        "cancelled": "Đã hủy thao tác đang làm.",
        "nothing_to_cancel": "Không có thao tác nào đang chờ.",
        "ask_value": "Nhiệm vụ {code} có chỉ tiêu {target}: đến nay đạt bao nhiêu? Gõ một số, ví dụ 45.",
        "bad_value": "Vui lòng gõ một số, ví dụ 45 hoặc 45,5.",
        "progress_saved": "Đã ghi nhận tiến độ {percent}% cho nhiệm vụ {code}.",
        "ask_block_reason": "Nhiệm vụ {code}: nêu ngắn gọn vướng mắc.",
        "blocked_saved": "Đã ghi nhận vướng mắc của nhiệm vụ {code}. {coordinator} đã được báo.",
        "blocked_request": "<b>Báo vướng mắc</b>\n{unit}, nhiệm vụ {code} ({period}, hạn {due}): {text}\n"
                           "Vướng mắc: {reason}",
        "b_postpone": "Tạm hoãn", "b_note": "Trả lời", "b_new_due": "Đặt hạn mới",
        "ask_coordinator_note": "Nội dung trả lời {unit} về nhiệm vụ {code}:",
        "ask_due": "Hạn mới cho nhiệm vụ {code} của {unit}? Ví dụ 30/11 hoặc 30/11/2019.",
        "due_not_future": "Hạn mới phải sau hôm nay. Vui lòng gõ lại.",
        "note_sent": "Đã gửi trả lời tới {unit}.",
        "due_saved": "Đã đặt hạn mới cho nhiệm vụ {code} của {unit}: {date}.",
        "postponed_saved": "Đã tạm hoãn nhiệm vụ {code} của {unit}: ngừng nhắc việc.",
        "ob_new_due": "Nhiệm vụ {code} có hạn mới: {date}.",
        "ask_new_date": "Nhiệm vụ {code} (hạn {due}): xin gia hạn đến ngày nào? Ví dụ 30/9 hoặc 30/09/2019.",
        "bad_date": "Không đọc được ngày. Vui lòng gõ ngày/tháng, ví dụ 30/9 hoặc 30/09/2019.",
        "date_not_later": "Ngày xin gia hạn phải sau hạn hiện tại ({due}). Vui lòng gõ lại.",
        "ask_ext_reason": "Lý do xin gia hạn:",
        "ext_sent": "Đã gửi đề nghị gia hạn nhiệm vụ {code} đến {date} để Sở Nội vụ xem xét.",
        "ext_request": "<b>Đề nghị gia hạn</b>\n{unit} xin gia hạn nhiệm vụ {code} ({period}) từ {old} "
                       "đến {new}.\nLý do: {reason}",
        "ext_approved": "Đã đồng ý gia hạn nhiệm vụ {code} đến {date}.",
        "ext_denied": "Không đồng ý gia hạn nhiệm vụ {code}. Hạn vẫn là {date}.",
        "ob_postponed": "Nhiệm vụ {code} được tạm hoãn: tạm dừng nhắc việc.",
        "ob_resumed": "Nhiệm vụ {code} được tiếp tục thực hiện, hạn {date}.",
        "ob_note": "Ghi chú về nhiệm vụ {code}: {note}",
        "web_link": "Đường liên kết đăng nhập trang theo dõi (dùng một lần, hiệu lực 10 phút):\n{url}",
        "web_private_only": "Vì an toàn, hãy gõ /web trong cuộc trò chuyện riêng với bot, không trong nhóm.",
        "decided": "{text}\n\n<i>{decision}</i>",
        "ask_evidence": "Nhiệm vụ {code}: gửi tệp minh chứng (tài liệu hoặc ảnh).",
        "evidence_saved": "Đã lưu minh chứng \"{name}\" cho nhiệm vụ {code}.",
        "evidence_too_big": "Tệp quá lớn: tối đa 20 MB.",
        "evidence_first": "Để gửi minh chứng, bấm nút Minh chứng dưới nhiệm vụ trước.",
        "evidence_needed": "Nhiệm vụ {code} cần có minh chứng trước khi báo xong: gửi tệp minh chứng, "
                           "rồi bấm Đã hoàn thành.",
        "done_saved": "Đã ghi nhận hoàn thành nhiệm vụ {code}. Cảm ơn!",
        "closed": "Nhiệm vụ này {status}: không cập nhật thêm được.",
        "not_allowed": "Bạn không có quyền thao tác trên nhiệm vụ này.",
        "refused": "Không thực hiện được: {reason}",
        "nothing_waiting": "Gõ /mine để xem các nhiệm vụ, hoặc /help để được hướng dẫn.",
        "coordinator_only": "Lệnh này dành cho Sở Nội vụ (điều phối).",
        "overdue_none": "Không có đơn vị nào có nhiệm vụ quá hạn.",
        "reminder_head": "<b>Nhắc việc – Kế hoạch {plan}</b>: {count} nhiệm vụ cần cập nhật. "
                         "Bấm số nhiệm vụ để báo cáo.",
        "reminder_line": "• {code} – {task} ({period}, hạn {due}): {stage}",
        "stage_open": "mới giao", "stage_before": "còn {days} ngày làm việc", "stage_due": "đến hạn hôm nay",
        "stage_overdue": "đã quá hạn", "stage_checkin": "cập nhật định kỳ",
        "stage_blocked": "đang vướng mắc: đã có hướng giải quyết chưa?",
        "stage_head": "quá hạn, báo lãnh đạo đơn vị", "stage_coordinator": "quá hạn, báo Sở Nội vụ",
        "escalation_head": "<b>Quá hạn cần đôn đốc</b>: {count} nhiệm vụ của {units} đơn vị.",
        "escalation_line": "• {unit}: {count} nhiệm vụ ({codes})",
        "escalation_more": "• và {units} đơn vị khác",
        "escalation_tail": "Gõ /overdue để xem chi tiết.",
        "link_dead": "<b>Không liên lạc được</b> với {unit} ({contact}) qua Telegram: {reason}. "
                     "Cần liên hệ đơn vị để liên kết lại.",
        "overdue_line": "{unit}: {count} nhiệm vụ quá hạn",
        "st_open": "đang thực hiện", "st_blocked": "đang vướng mắc", "st_extension_requested": "đang xin gia hạn",
        "st_done": "đã hoàn thành", "st_postponed": "đã tạm hoãn", "st_cancelled": "đã hủy",
    },
    "en": {
        "not_linked": "This Telegram account is not linked to any unit. Please use the invitation link sent by "
                      "the Department of Home Affairs.",
        "linked": "Linked to <b>{unit}</b> ({contact}). Type /mine to see your unit's tasks.",
        "linked_coordinator": "Linked to <b>{unit}</b> ({contact}) as coordinator. Type /status or /overdue.",
        "invitation_unknown": "This invitation link is not valid.",
        "invitation_used": "This invitation link has already been used.",
        "invitation_expired": "This invitation link has expired. Please ask for a new one.",
        "help": "<b>Đôn đốc</b> chases the tasks of the provincial plan.\n"
                "/mine – your unit's open tasks\n"
                "/web – a sign-in link to the dashboard\n"
                "/cancel – cancel what you were doing\n"
                "/lang vi – tiếng Việt\n"
                "Each task has buttons: Done · Progress · Blocked · Extension · Evidence.",
        "help_coordinator": "\n/status – roll-up by area\n/overdue – units with overdue tasks",
        "lang_set": "Switched to English.",
        "mine_empty": "Your unit has no open tasks.",
        "card": "<b>Task {code}</b>: {text}\nPeriod: {period}\nDue: {due}\nStatus: {status}",
        "no_deadline": "continuous (no fixed deadline)",
        "b_done": "Done", "b_checkin": "Done this period", "b_progress": "Progress", "b_blocked": "Blocked",
        "b_extension": "Extension",
        "b_evidence": "Evidence", "b_approve": "Approve", "b_deny": "Deny",
        "ask_percent": "Task {code}: how far along is it, in percent? Type a number from 0 to 100.",
        "bad_percent": "Please type a number from 0 to 100, e.g. 60.",
        "ask_note": "A short note on progress (or press Skip):",
        "ask_note_group": "A short note on progress (reply to this message; type - to skip):",
        "b_skip": "Skip",
        "cancelled": "Cancelled.",
        "nothing_to_cancel": "Nothing is waiting for an answer.",
        "ask_value": "Task {code} has the target {target}: what has been reached so far? Type a number, e.g. 45.",
        "bad_value": "Please type a number, e.g. 45 or 45.5.",
        "progress_saved": "Progress {percent}% recorded for task {code}.",
        "ask_block_reason": "Task {code}: what is blocking it?",
        "blocked_saved": "Recorded task {code} as blocked. {coordinator} has been told.",
        "blocked_request": "<b>Blocked</b>\n{unit}, task {code} ({period}, due {due}): {text}\n"
                           "Blocker: {reason}",
        "b_postpone": "Postpone", "b_note": "Reply", "b_new_due": "New deadline",
        "ask_coordinator_note": "Your reply to {unit} about task {code}:",
        "ask_due": "New deadline for task {code} of {unit}? For example 30/11 or 30/11/2019.",
        "due_not_future": "The new deadline must be after today. Please type it again.",
        "note_sent": "Reply sent to {unit}.",
        "due_saved": "New deadline for task {code} of {unit}: {date}.",
        "postponed_saved": "Task {code} of {unit} postponed: no more reminders.",
        "ob_new_due": "Task {code} has a new deadline: {date}.",
        "ask_new_date": "Task {code} (due {due}): extend to which date? E.g. 30/9 or 30/09/2019.",
        "bad_date": "I could not read that date. Please type day/month, e.g. 30/9 or 30/09/2019.",
        "date_not_later": "The new date must be after the current deadline ({due}). Please type it again.",
        "ask_ext_reason": "Why is an extension needed?",
        "ext_sent": "Extension of task {code} to {date} sent to the coordinator.",
        "ext_request": "<b>Extension request</b>\n{unit} asks to extend task {code} ({period}) from {old} "
                       "to {new}.\nReason: {reason}",
        "ext_approved": "Extension of task {code} to {date} approved.",
        "ext_denied": "Extension of task {code} denied. The deadline stays {date}.",
        "ob_postponed": "Task {code} is postponed: reminders stop for now.",
        "ob_resumed": "Task {code} is resumed, deadline {date}.",
        "ob_note": "A note on task {code}: {note}",
        "web_link": "Sign-in link for the dashboard (single use, valid 10 minutes):\n{url}",
        "web_private_only": "For safety, type /web in your private chat with the bot, not in a group.",
        "decided": "{text}\n\n<i>{decision}</i>",
        "ask_evidence": "Task {code}: send the evidence file (a document or a photo).",
        "evidence_saved": "Evidence \"{name}\" saved for task {code}.",
        "evidence_too_big": "The file is too big: 20 MB at most.",
        "evidence_first": "To send evidence, press the Evidence button under the task first.",
        "evidence_needed": "Task {code} needs evidence before it can be done: send the file, then press Done.",
        "done_saved": "Task {code} recorded as done. Thank you!",
        "closed": "This task is {status}: it cannot be updated any more.",
        "not_allowed": "You may not act on this task.",
        "refused": "Not done: {reason}",
        "nothing_waiting": "Type /mine to see your tasks, or /help.",
        "coordinator_only": "This command is for the coordinator.",
        "overdue_none": "No unit has overdue tasks.",
        "reminder_head": "<b>Reminder – plan {plan}</b>: {count} task(s) to update. Press a task number to report.",
        "reminder_line": "• {code} – {task} ({period}, due {due}): {stage}",
        "stage_open": "newly assigned", "stage_before": "{days} working day(s) left", "stage_due": "due today",
        "stage_overdue": "overdue", "stage_checkin": "periodic update",
        "stage_blocked": "blocked: any way forward yet?",
        "stage_head": "overdue, the unit's head is told", "stage_coordinator": "overdue, the coordinator is told",
        "escalation_head": "<b>Overdue, to chase</b>: {count} task(s) of {units} unit(s).",
        "escalation_line": "• {unit}: {count} task(s) ({codes})",
        "escalation_more": "• and {units} more unit(s)",
        "escalation_tail": "Send /overdue for details.",
        "link_dead": "<b>Cannot reach</b> {unit} ({contact}) on Telegram: {reason}. Contact the unit to link again.",
        "overdue_line": "{unit}: {count} overdue",
        "st_open": "open", "st_blocked": "blocked", "st_extension_requested": "waiting for an extension",
        "st_done": "done", "st_postponed": "postponed", "st_cancelled": "cancelled",
    },
}


def say(lang: str, key: str, **values: object) -> str:
    """The text for `key` in `lang`, with values HTML-escaped (they come from users and plans)."""
    template = TEXTS.get(lang, TEXTS["vi"])[key]
    return template.format(**{k: html.escape(str(v), quote=False) for k, v in values.items()})


def day_text(moment: dt.datetime | None) -> str:
    """A deadline as people in Vietnam write it: 14/10/2019 (— when there is none)."""
    return moment.astimezone(VN).strftime("%d/%m/%Y") if moment else "—"


STAGE_KEYS = {"open": "stage_open", "due": "stage_due", "escalate-head": "stage_head",
              "escalate-coordinator": "stage_coordinator"}


def stage_text(lang: str, stage: str) -> str:
    """A reminder stage in words: "T-3" → "còn 3 ngày làm việc" (on any channel: "T-3@zalo")."""
    stage = stage.split("@")[0]
    if stage.startswith("T-"):
        return say(lang, "stage_before", days=stage[2:])
    if stage.startswith("overdue-"):
        return say(lang, "stage_overdue")
    if stage.startswith("checkin-"):
        return say(lang, "stage_checkin")
    if stage.startswith("blocked-"):
        return say(lang, "stage_blocked")
    return say(lang, STAGE_KEYS[stage])
