"""Where the shipped files live, relative to the project checkout."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "plans"
# The demo's plan and directory; other commands take the admin's own (--org, DONDOC_ORG).
DEMO_ORG = PLANS / "org" / "binh-dinh.yaml"
DEMO_PLAN = PLANS / "binh-dinh-53-2019.yaml"
DEFAULT_CALENDAR = PLANS / "calendar" / "vn.yaml"  # the national working calendar, as shipped
