"""``factcheck doctor``: whether the configured model can run factcheck, and how."""

from factcheck.doctor.checkup import Checkup, ModeResult, StageResult, acheckup, checkup
from factcheck.doctor.text import render_checkup

__all__ = ["Checkup", "ModeResult", "StageResult", "acheckup", "checkup", "render_checkup"]
