"""Where the shipped files live, relative to the project checkout."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "plans"
DEFAULT_ORG = PLANS / "org" / "binh-dinh.yaml"
DEFAULT_PLAN = PLANS / "binh-dinh-53-2019.yaml"
DEFAULT_CALENDAR = PLANS / "calendar" / "vn.yaml"
