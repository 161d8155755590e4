"""Director drafts from the pipeline: one per director, links with the store's link version."""

import email
import email.policy
import re

import dagster as dg
import pytest

from orchestration.defs.outreach.director import director_drafts
from orchestration.defs.resources import LedgerloopResource
from orchestration.outreach import drafts
from orchestration.outreach.drafts import draft_name
from orchestration.outreach.portal_store import open_store, portal_settings
from portal.links import LinkSigner
from portal.store import link_versions
from tests.orchestration.outreach.ledger_fixture import build_ledger_with_accounts, invoice

AS_OF = "2026-11-23"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
    monkeypatch.delenv("LEDGERLOOP_CONFIG", raising=False)
    monkeypatch.delenv("LEDGERLOOP_SECRET_KEY", raising=False)  # the 0600 file under home
    monkeypatch.setenv("LEDGERLOOP_PORTAL_URL", "https://portal.example.com")
    monkeypatch.setenv("LEDGERLOOP_MAIL_FROM", "ar@example.com")
    build_ledger_with_accounts(tmp_path / "warehouse.duckdb", [
        invoice("1"), invoice("2", account_name="<script>alert(1)</script>"),
        invoice("3", director_email="lee@example.com", project_director="Lee Park"),
        invoice("4", director_email="lee@example.com", stage="Promised"),
    ])
    return tmp_path


def draft(home) -> dg.ExecuteInProcessResult:
    return dg.materialize([director_drafts], resources={
        "ledgerloop": LedgerloopResource(home=str(home), as_of=AS_OF)})


def read(path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.SMTP)


def test_drafts_one_eml_per_director_in_the_days_folder(home):
    assert draft(home).success
    folder = home / "outbox" / "drafts" / AS_OF
    files = sorted(p.name for p in folder.glob("*.eml"))
    assert files == sorted(f"{draft_name(e)}.eml" for e in ("dana@example.com", "lee@example.com"))
    dana = read(folder / f"{draft_name('dana@example.com')}.eml")
    assert dana["To"].addresses[0].addr_spec == "dana@example.com"
    assert dana["From"].addresses[0].addr_spec == "ar@example.com"
    html = dana.get_body(preferencelist=("html",)).get_content()
    assert "INV-1" in html and "INV-2" in html and "<script>" not in html
    lee_text = read(folder / f"{draft_name('lee@example.com')}.eml").get_body(
        preferencelist=("plain",)).get_content()
    assert "Dear Lee," in lee_text and "INV-3" in lee_text and "INV-4" not in lee_text


def test_drafts_links_verify_with_the_current_link_version(home):
    with open_store(home) as store:
        link_versions.revoke(store, "dana@example.com")
    assert draft(home).success
    text = read(home / "outbox" / "drafts" / AS_OF / f"{draft_name('dana@example.com')}.eml").get_body(
        preferencelist=("plain",)).get_content()
    (token,) = re.findall(r"https://portal\.example\.com/d/(\S+)", text)
    settings = portal_settings(home)
    claims = LinkSigner(settings.secret_key, settings.link_max_age_seconds).verify(token)
    assert (claims.director_email, claims.version) == ("dana@example.com", 2)
    assert (home / "secret.key").stat().st_mode & 0o777 == 0o600


def test_drafts_are_not_rewritten_once_approved(home):
    assert draft(home).success
    approved = home / "outbox" / "approved" / AS_OF
    approved.mkdir(parents=True)
    name = f"{draft_name('dana@example.com')}.eml"
    (home / "outbox" / "drafts" / AS_OF / name).rename(approved / name)
    result = draft(home)
    metadata = result.asset_materializations_for_node("outbox__director_drafts")[0].metadata
    written = ("drafts_written", "drafts_unchanged", "directors_already_approved_or_sent")
    assert tuple(metadata[key].value for key in written) == (0, 1, 1)  # Lee's draft is as it was
    assert not (home / "outbox" / "drafts" / AS_OF / name).exists()


def test_a_refresh_rewrites_only_the_drafts_whose_email_would_change(home, monkeypatch):
    folder = home / "outbox" / "drafts" / AS_OF
    dana, lee = (folder / f"{draft_name(e)}.eml" for e in ("dana@example.com", "lee@example.com"))

    def stamps():
        return {path.name: (path.stat().st_ino, path.stat().st_mtime_ns) for path in (dana, lee)}

    assert draft(home).success
    first = stamps()
    metadata = draft(home).asset_materializations_for_node("outbox__director_drafts")[0].metadata
    assert (metadata["drafts_written"].value, metadata["drafts_unchanged"].value) == (0, 2)
    assert stamps() == first
    build_ledger_with_accounts(home / "warehouse.duckdb", [  # INV-3 got a partial payment
        invoice("1"), invoice("2", account_name="<script>alert(1)</script>"),
        invoice("3", director_email="lee@example.com", project_director="Lee Park", balance="1234.56"),
        invoice("4", director_email="lee@example.com", stage="Promised"),
    ])
    assert draft(home).success
    second = stamps()
    assert second[dana.name] == first[dana.name] and second[lee.name] != first[lee.name]
    assert "1,234.56" in read(lee).get_body(preferencelist=("plain",)).get_content()
    with open_store(home) as store:
        link_versions.revoke(store, "dana@example.com")  # the old draft's link no longer opens
    assert draft(home).success
    assert stamps()[dana.name] != second[dana.name] and stamps()[lee.name] == second[lee.name]
    third = stamps()
    monkeypatch.setattr(drafts, "_templates_version", lambda: "new wording")  # a release
    assert draft(home).success
    assert all(stamps()[name] != third[name] for name in third)


def test_draft_names_are_distinct_for_lookalike_emails():
    assert draft_name("a.b@example.com") != draft_name("a_b@example.com")
    assert re.fullmatch(r"[a-z0-9_]+-[0-9a-f]{8}", draft_name("Dana+AR@Example.com"))


def test_drafts_date_is_the_runs_as_of_date(home):
    assert draft(home).success
    assert [p.name for p in (home / "outbox" / "drafts").iterdir()] == [AS_OF]


def test_drafts_of_a_director_with_nothing_left_to_answer_are_withdrawn(home):
    assert draft(home).success
    build_ledger_with_accounts(home / "warehouse.duckdb", [invoice("1")])  # Lee's job was answered
    result = draft(home)
    metadata = result.asset_materializations_for_node("outbox__director_drafts")[0].metadata
    assert metadata["drafts_withdrawn"].value == 1
    names = sorted(p.stem for p in (home / "outbox" / "drafts" / AS_OF).glob("*.eml"))
    assert names == [draft_name("dana@example.com")]


def test_drafts_skip_and_name_a_director_email_that_cannot_be_a_recipient(home):
    build_ledger_with_accounts(home / "warehouse.duckdb", [
        invoice("1", director_email="dana@example.com;"),  # passes the ledger's email check
        invoice("3", director_email="lee@example.com", project_director="Lee Park"),
    ])
    result = draft(home)
    assert result.success
    metadata = result.asset_materializations_for_node("outbox__director_drafts")[0].metadata
    assert metadata["directors_with_unusable_email"].value == 1
    assert "dana@example.com;" in metadata["unusable_emails"].value
    assert "NYC:1" in metadata["unusable_emails"].value
    names = [p.stem for p in (home / "outbox" / "drafts" / AS_OF).glob("*.eml")]
    assert names == [draft_name("lee@example.com")]
