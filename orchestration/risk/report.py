"""The backtest as a self-contained HTML page: tables and inline SVG charts (calibration, gains,
ROC), readable without JavaScript; every text goes through jinja2's autoescape."""

from __future__ import annotations

from pathlib import Path

import jinja2
from markupsafe import Markup

from orchestration.reporting.svg import line_chart
from orchestration.risk.backtest import BacktestResult

_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Payment-risk backtest at {{ r.cutoff }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 980px; color: #1a1a1a;
       padding: 0 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.75rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.verdict { font-weight: 600; }
.warn { color: #a00; font-weight: 600; }
figure { margin: 1rem 0 2rem; }
figcaption { color: #444; max-width: 640px; }
</style>
</head>
<body>
<h1>Payment-risk backtest at cut-off {{ r.cutoff }}</h1>
<p>"Late" means the account's next due invoice was paid more than {{ r.late_threshold_days }} days
late. The model was trained on {{ r.training_rows }} account-months whose outcome was known before
{{ r.cutoff }} (late rate {{ pct(r.training_late_rate) }}) and scored {{ r.model.rows }}
account-months dated {{ r.test_from }} to {{ r.test_to }} (late rate {{ pct(r.model.late_rate) }}).
Model version <code>{{ r.model_version }}</code>.</p>
{% if r.fallback_reason %}<p class="warn">No model could be fitted: {{ r.fallback_reason }}.</p>{% endif %}
<p class="verdict">The model {{ "beats" if r.model_beats_baseline else "does not beat" }} the naive
baseline on both AUC and Brier score.</p>

<h2>Summary</h2>
<table>
<thead><tr><th>Metric</th><th>Model</th><th>Naive baseline</th></tr></thead>
<tbody>
<tr><td>AUC (higher is better)</td><td>{{ num(r.model.auc) }}</td><td>{{ num(r.baseline.auc) }}</td></tr>
<tr><td>Brier score (lower is better)</td><td>{{ num(r.model.brier, 4) }}</td>
    <td>{{ num(r.baseline.brier, 4) }}</td></tr>
<tr><td>Lift in the top decile</td><td>{{ num(r.model.lift_top_decile, 2) }}</td>
    <td>{{ num(r.baseline.lift_top_decile, 2) }}</td></tr>
</tbody>
</table>
<p>The naive baseline is the last paid invoice's lateness band, scored with that band's late rate
on the training rows:
{% for band, rate in r.baseline_rates.items() if band != "*" -%}
{{ band }} {{ pct(rate) }}{{ "; " if not loop.last }}
{%- endfor %}.</p>

<h2>Calibration</h2>
<figure>{{ calibration_svg }}
<figcaption>Mean predicted probability against the observed late rate, per decile of the score.
Points on the dotted diagonal are perfectly calibrated.</figcaption></figure>
<table>
<thead><tr><th>Decile</th><th>Rows</th><th>Model: predicted</th><th>observed</th>
<th>Baseline: predicted</th><th>observed</th></tr></thead>
<tbody>
{% for m, b in calibration_rows %}<tr><td>{{ m.decile }}</td><td>{{ m.rows }}</td>
<td>{{ pct(m.mean_predicted) }}</td><td>{{ pct(m.observed_rate) }}</td>
<td>{{ pct(b.mean_predicted) if b else "" }}</td><td>{{ pct(b.observed_rate) if b else "" }}</td></tr>
{% endfor %}</tbody>
</table>

<h2>Lift and gains</h2>
<figure>{{ gains_svg }}
<figcaption>Share of the late accounts caught when collectors work the riskiest 10%, 20%, ... of
accounts first. The diagonal is working them in random order.</figcaption></figure>

<h2>ROC curve</h2>
<figure>{{ roc_svg }}
<figcaption>True positive rate against false positive rate over every score threshold; the area
under each curve is its AUC.</figcaption></figure>

<h2>Model coefficients</h2>
<p>A logistic regression with L2 regularization (scikit-learn's <code>LogisticRegression</code>:
well kept, already a dependency, and its fitted coefficients are the whole model) on standardized
features. A driver's contribution to a score is its coefficient times the account's standardized
value, in log-odds; the intercept plus the contributions is the score's log-odds.</p>
<table>
<thead><tr><th>Feature</th><th>Coefficient (log-odds per SD)</th><th>Mean</th><th>SD</th></tr></thead>
<tbody>
{% for c in r.coefficients %}<tr><td>{{ c.feature }}</td><td>{{ num(c.coefficient) }}</td>
<td>{{ num(c.mean) }}</td><td>{{ num(c.std) }}</td></tr>
{% endfor %}</tbody>
</table>
</body>
</html>
"""

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _num(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _charts(result: BacktestResult) -> dict[str, Markup]:
    diagonal = [(0.0, 0.0), (1.0, 1.0)]
    calibration = line_chart(
        {
            "model": [(c["mean_predicted"], c["observed_rate"]) for c in result.model.calibration],
            "naive baseline": [
                (c["mean_predicted"], c["observed_rate"]) for c in result.baseline.calibration
            ],
            "perfect calibration": diagonal,
        },
        title="Calibration: predicted vs observed late rate",
        x_label="mean predicted probability",
        y_label="observed late rate",
        value_format="percent",
        width=640,
        height=360,
    )
    gains = line_chart(
        {
            "model": [(0.0, 0.0)] + [(g["share_worked"], g["share_late_caught"]) for g in result.model.gains],
            "naive baseline": [(0.0, 0.0)]
            + [(g["share_worked"], g["share_late_caught"]) for g in result.baseline.gains],
            "random order": diagonal,
        },
        title=f"Gains (lift in the top decile: model {_num(result.model.lift_top_decile, 2)}, "
        f"baseline {_num(result.baseline.lift_top_decile, 2)})",
        x_label="share of accounts worked, riskiest first",
        y_label="share of late accounts caught",
        value_format="percent",
        width=640,
        height=360,
    )
    roc = line_chart(
        {
            f"model (AUC {_num(result.model.auc)})": result.model.roc,
            f"naive baseline (AUC {_num(result.baseline.auc)})": result.baseline.roc,
            "chance": diagonal,
        },
        title="ROC curve",
        x_label="false positive rate",
        y_label="true positive rate",
        value_format="percent",
        width=640,
        height=360,
    )
    # line_chart escapes every text it writes: its output is markup.
    return {"calibration_svg": Markup(calibration), "gains_svg": Markup(gains), "roc_svg": Markup(roc)}


def render_report(result: BacktestResult) -> str:
    """The HTML page for one backtest."""
    rows = [
        (m, result.baseline.calibration[i] if i < len(result.baseline.calibration) else None)
        for i, m in enumerate(result.model.calibration)
    ]
    return _ENV.from_string(_TEMPLATE).render(
        r=result,
        pct=_pct,
        num=_num,
        calibration_rows=rows,
        **_charts(result),
    )


def write_report(result: BacktestResult, folder: Path) -> Path:
    """`<folder>/backtest-<cutoff>.html`, replaced atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"backtest-{result.cutoff.isoformat()}.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_report(result), encoding="utf-8")
    tmp.replace(path)
    return path
