"""Payment risk: a transparent model (fit, score, explain), its backtest and the HTML report.

Pure Python (numpy, pandas, scikit-learn; no Dagster), so dbt's Python model `account_risk`,
the `ledgerloop risk` command and tests call it directly.
"""

from orchestration.risk.model import RiskModel, feature_columns, fit, predict, training_rows
from orchestration.risk.score import score, score_current

__all__ = ["RiskModel", "feature_columns", "fit", "predict", "score", "score_current", "training_rows"]
