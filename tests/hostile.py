"""Text an attacker, a careless paste or a broken phone sends: one list for every way text
comes in (chat, web forms, file names, plan and directory files) and every way it goes out."""

SCRIPT = '<script>alert("dondoc")</script>'
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
URL = "javascript:alert(1)"
TEMPLATE = "{{ 7*7 }}{% if true %}"
TELEGRAM_TAGS = "<b>đậm</b> & <i>nghiêng"
CONTROLS = "chuông\x07 thoát\x1b[31m đỏ\x0b\x0c"
NUL = "trước\x00sau"
BIDI = "hồ sơ\u202eexe.fdp"
ZERO_WIDTH = "ẩn\u200bgiữa\u200d\ufeff"
SUPERSCRIPT = "²"
QUOTES = "'; DROP TABLE obligation; --"
LONG = "Rất dài " * 1200

HOSTILE = [SCRIPT, ATTRIBUTE, URL, TEMPLATE, TELEGRAM_TAGS, CONTROLS, NUL, BIDI, ZERO_WIDTH, SUPERSCRIPT, QUOTES,
           LONG]
MARKUP = [SCRIPT, ATTRIBUTE, URL, TELEGRAM_TAGS]  # what a browser or a chat would act on if it were not escaped
