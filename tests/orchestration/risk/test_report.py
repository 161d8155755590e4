"""The backtest's HTML page: self-contained, charts as inline SVG, every text escaped."""

import datetime as dt
import re

import pytest

from orchestration.policy.risk import Risk
from orchestration.risk.backtest import run_backtest
from orchestration.risk.report import render_report, write_report
from tests.orchestration.risk.synthetic import panel

HOSTILE = "f_<script>alert(1)</script>&co"


@pytest.fixture(scope="module")
def result():
    frame = panel(accounts=120, months=18, seed=9).rename(columns={"f_open_balance": HOSTILE})
    return run_backtest(frame, dt.date(2026, 5, 1), Risk())[0]


@pytest.fixture(scope="module")
def page(result):
    return render_report(result)


def test_report_has_the_calibration_gains_and_roc_charts_as_inline_svg(page):
    titles = re.findall(r'<svg[^>]*role="img"[^>]*>\s*<title[^>]*>([^<]*)</title>', page)
    assert len(titles) == 3
    assert titles[0].startswith("Calibration") and titles[1].startswith("Gains") and titles[2] == "ROC curve"
    assert page.count("<polyline") >= 9  # model, baseline and reference line in each chart


def test_report_needs_no_javascript(page):
    assert "<script" not in page.lower()
    assert "javascript:" not in page.lower()


def test_report_escapes_feature_names(page):
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;co" in page
    assert "<script>alert" not in page


def test_report_shows_the_metrics_and_the_calibration_table(result, page):
    assert f"{result.model.auc:.3f}" in page and f"{result.baseline.brier:.4f}" in page
    assert page.count("<tr><td>") >= 3 + 10  # summary rows and the ten deciles
    assert "LogisticRegression" in page  # the page says which library and why


def test_write_report_names_the_file_after_the_cutoff(result, tmp_path):
    path = write_report(result, tmp_path / "exports" / "risk")
    assert path == tmp_path / "exports" / "risk" / "backtest-2026-05-01.html"
    assert path.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert not list(path.parent.glob("*.tmp"))
