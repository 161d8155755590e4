"""The `risk:` section of `ledgerloop.yaml`: the payment-risk model, its bands and credit limits.

Read by `orchestration.risk` (model, backtest) and by dbt (`var('risk')`) for
`marts.account_risk` and `marts.credit_limits`.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, field_validator, model_validator

from orchestration.policy._base import PolicyModel


class RiskBands(PolicyModel):
    """Cut-offs of the risk score (a probability) into bands: below `medium` is low."""

    medium: float = Field(default=0.2, gt=0, lt=1)
    """A score at or above this is medium."""
    high: float = Field(default=0.5, gt=0, lt=1)
    """A score at or above this is high."""

    @model_validator(mode="after")
    def _ordered(self) -> RiskBands:
        if self.medium >= self.high:
            raise ValueError(f"medium ({self.medium}) must be below high ({self.high})")
        return self

    def band(self, score: float) -> str:
        return "high" if score >= self.high else "medium" if score >= self.medium else "low"


class CreditLimitPolicy(PolicyModel):
    """How `marts.credit_limits` suggests a limit per account and currency (never applied)."""

    min_limit: Decimal = Field(default=Decimal("5000"), ge=0, decimal_places=2)
    """No suggestion goes below this, in the account's currency."""
    max_limit: Decimal = Field(default=Decimal("1000000"), gt=0, decimal_places=2)
    """No suggestion goes above this, in the account's currency."""
    max_step_change_percent: Decimal = Field(default=Decimal("25"), gt=0, le=100)
    """A suggestion moves at most this percentage away from the previous run's limit."""
    utilization_target: Decimal = Field(default=Decimal("0.75"), gt=0, le=1)
    """The limit leaves room so the last 12 months' peak exposure uses this share of it."""
    band_factors: dict[str, Decimal] = {
        "low": Decimal("1.25"),
        "medium": Decimal("1.0"),
        "high": Decimal("0.7"),
    }
    """The limit from utilization is multiplied by this per risk band."""
    late_days_penalty: int = Field(default=30, ge=0)
    """An account whose last invoice was paid more than this many days late gets the high
    band's factor whatever its score."""
    round_to: Decimal = Field(default=Decimal("100"), gt=0)
    """Suggestions are rounded to a multiple of this."""

    @field_validator("band_factors")
    @classmethod
    def _every_band(cls, factors: dict[str, Decimal]) -> dict[str, Decimal]:
        if set(factors) != {"low", "medium", "high"}:
            raise ValueError(f"needs exactly the bands low, medium, high; got {sorted(factors)}")
        bad = sorted(k for k, v in factors.items() if v <= 0)
        if bad:
            raise ValueError(f"factors must be positive: {bad}")
        return factors

    @model_validator(mode="after")
    def _bounds(self) -> CreditLimitPolicy:
        if self.min_limit > self.max_limit:
            raise ValueError(f"min_limit ({self.min_limit}) is above max_limit ({self.max_limit})")
        return self


class Risk(PolicyModel):
    """The payment-risk model (`marts.account_risk`): an L2-regularized logistic regression on
    the standardized `f_*` features of `intermediate.int_account_risk_features`."""

    late_threshold_days: int = Field(default=30, ge=0, le=365)
    """The score is the probability that the next due invoice is paid more than this many days late."""
    recent_invoices: int = Field(default=6, ge=1, le=60)
    """Features such as the mean days late read the account's last this many settled invoices."""
    regularization: float = Field(default=1.0, gt=0)
    """Inverse L2 strength (scikit-learn's `C`): smaller shrinks the coefficients harder."""
    training_window_months: int = Field(default=24, ge=1, le=120)
    """Train on month-end rows at most this many months before the scoring date."""
    label_window_days: int = Field(default=120, ge=1, le=730)
    """Without a `label_known_on` column, a row's label counts as known this many days after its
    as-of date; only rows whose label was known before the scoring (or cut-off) date train."""
    cap_quantile: float = Field(default=0.0, ge=0, lt=0.5)
    """Feature values are capped to the training rows' range (between this quantile and its
    complement; 0: their minimum and maximum) before standardizing: a score never extrapolates
    beyond what the history showed. Backtests on the demo history favour 0."""
    max_training_rows: int = Field(default=500_000, ge=1000)
    """Larger training sets are sampled down to this many rows (fixed seed)."""
    min_training_rows: int = Field(default=100, ge=2)
    """Below this many labelled rows the score is the prior late rate (no model)."""
    min_class_rows: int = Field(default=10, ge=1)
    """Both late and on-time rows need at least this many, or the score is the prior."""
    fallback_prior: float = Field(default=0.2, gt=0, lt=1)
    """Late rate assumed when there is too little history to learn one."""
    fallback_prior_weight: int = Field(default=20, ge=0)
    """The prior counts as this many rows blended with the history's own late rate."""
    bands: RiskBands = RiskBands()
    features: list[str] | None = None
    """The `f_*` columns the model uses (default: every `f_*` column of the feature table)."""
    credit_limits: CreditLimitPolicy = CreditLimitPolicy()

    @field_validator("features")
    @classmethod
    def _feature_names(cls, features: list[str] | None) -> list[str] | None:
        if features is None:
            return None
        bad = [f for f in features if not f.startswith("f_")]
        if bad or not features:
            raise ValueError(f"feature names start with 'f_' and at least one is needed; got {bad}")
        if len(set(features)) != len(features):
            raise ValueError("a feature is listed more than once")
        return features
