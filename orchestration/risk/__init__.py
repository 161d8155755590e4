"""Payment risk: a transparent model (fit, score, explain), its backtest and the HTML report.

Pure Python (numpy, pandas, scikit-learn; no Dagster), so dbt's Python model `account_risk`,
the `ledgerloop risk` command and tests call it directly.
"""

from orchestration.risk.daily import fit_for_day
from orchestration.risk.model import RiskModel, feature_columns, fit, predict, training_rows
from orchestration.risk.score import score

__all__ = ["RiskModel", "feature_columns", "fit", "fit_for_day", "predict", "score", "training_rows"]
