"""Delivery reports providers send back about messages they took.

eSMS calls the CallbackUrl we gave it with a GET (developers.esms.vn, "Callback Url"):
SMSID, RequestId (ours: the installation's id and the outbox row's), SendStatus (1 pending
approval, 2 waiting, 4 rejected, 5 sent, 7 sent to the network, report awaited),
SendSuccess and SendFailed counts, phonenumber."""

from __future__ import annotations

import re

from models.common.text import is_number


def read_sms_report(params: dict[str, str]) -> tuple[str | None, int | None, bool | None]:
    """(the provider's id, our outbox row's id, delivered?) from a report's parameters;
    delivered is None while the provider does not know yet."""
    provider_id = (params.get("SMSID") or "").strip() or None
    request = re.fullmatch(r"[0-9a-f]{10}-(\d{1,18})", (params.get("RequestId") or "").strip())
    row_id = int(request.group(1)) if request else None
    status = (params.get("SendStatus") or "").strip()
    success, failed = (int(v) if is_number(v := (params.get(k) or "").strip()) else 0
                       for k in ("SendSuccess", "SendFailed"))
    if status == "4" or (status == "5" and failed and not success):
        return provider_id, row_id, False
    if success:
        return provider_id, row_id, True
    return provider_id, row_id, None
