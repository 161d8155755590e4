"""The digest of the code the dbt models run on moves with any macro and only with the code."""

from orchestration.defs.dbt import dbt_code_digest


def test_the_digest_moves_when_a_macro_changes_and_not_otherwise(tmp_path):
    macros = tmp_path / "macros" / "portable"
    macros.mkdir(parents=True)
    (macros / "core.sql").write_text("{% macro one() %}1{% endmacro %}")
    first = dbt_code_digest(tmp_path)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "a_model.sql").write_text("select 1")  # a model's own checksum is dbt's
    assert dbt_code_digest(tmp_path) == first
    (macros / "core.sql").write_text("{% macro one() %}2{% endmacro %}")
    assert dbt_code_digest(tmp_path) != first
