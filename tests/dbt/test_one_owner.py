"""Each piece of dbt logic has one owner: a model says what it computes and a macro says how, so
the two KPI marts cannot drift apart and a policy value has one default (the policy model's)."""

from orchestration.settings import DBT_PROJECT_DIR

MODELS = DBT_PROJECT_DIR / "models"
MACROS = DBT_PROJECT_DIR / "macros"


def sql_files(folder):
    return sorted(folder.rglob("*.sql"))


def test_the_dso_countback_is_computed_by_one_macro():
    # The days each month adds, from the sales of the months already walked.
    computing = [path.name for path in sql_files(MODELS)
                 if "kpi_countback_days(" in path.read_text(encoding="utf-8")]
    using = [path.name for path in sql_files(MODELS)
             if "kpi_days_sales_outstanding(" in path.read_text(encoding="utf-8")]
    assert computing == []
    assert using == ["collections_kpis.sql", "collections_kpis_monthly.sql"]
