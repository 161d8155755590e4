"""A dunning channel is one registered object: registering a new one (its notifications half and its
drafter) is all it takes for the policy to accept it and for drafting, the drafts index, the
catalog, edits, approval, delivery, the timeline events and the contact history to carry it; and
no code outside the channel modules dispatches on a channel's name."""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from notifications import channels as notification_channels
from notifications.channels.folder_channel import FolderChannel
from notifications.channels.message_folder import ChannelMessage
from notifications.dunning_drafts import account_drafts, edit_draft
from orchestration.cli import main
from orchestration.dunning import channels as drafting_channels
from orchestration.dunning.channels import OutboxDrafter
from orchestration.dunning.drafting import policy_sha256, run_day
from orchestration.dunning.engagement import load_engagement
from orchestration.dunning.notices import notice_meta
from orchestration.outreach.portal_store import open_store
from orchestration.storage.warehouse import connect
from portal.store import audit_log
from tests.orchestration.dunning.dunning_fixture import build, ledger_invoice, policy, write_policy

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
DUE = dt.date(2026, 11, 2)
RUN_ON = DUE + dt.timedelta(days=3)


class WhatsAppChannel(FolderChannel):
    name = "whatsapp"
    title = "WhatsApp"
    sent_as = "WhatsApp message sent"
    label = "whatsapp"
    folder = "whatsapp"

    def edited(self, message, parts, actor):
        return replace(message, body=parts[0], meta={**message.meta, "edited_by": actor})


WHATSAPP = WhatsAppChannel()


class WhatsAppDrafter(OutboxDrafter):
    channel = WHATSAPP
    weight = 4

    def address_problem(self, contact):
        return None if contact.phone else "no_phone"

    def render(self, notice, dunning, as_of):
        text = f"{notice.account.account_name}: {len(notice.items)} invoice(s) past due, please pay."
        return ChannelMessage(
            self.channel.name, notice.account.contact.phone, "WhatsApp reminder", text, notice_meta(notice)
        )

    def recorded(self, notice, message):
        return message.recipient, message.subject

    def preview(self, notice, dunning, as_of, clean):
        return f"to {clean(notice.account.contact.phone)} on WhatsApp"


@pytest.fixture
def whatsapp():
    notification_channels.register(WHATSAPP)
    drafting_channels.register(WhatsAppDrafter())
    yield WHATSAPP
    drafting_channels.unregister(WHATSAPP.name)
    notification_channels.unregister(WHATSAPP.name)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
    monkeypatch.delenv("LEDGERLOOP_WHATSAPP_GATEWAY", raising=False)
    monkeypatch.setenv("LEDGERLOOP_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("LEDGERLOOP_HOME", str(tmp_path))
    build(
        tmp_path,
        [ledger_invoice("101", "ACME", "Acme Corp", "500.00", DUE)],
        [("ACME", "Ann", "ann@acme.example", "+12125550101", None, None, None)],
    )
    return tmp_path


def _whatsapp_policy(home: Path) -> Path:
    def change(data):
        data["dunning"]["segments"] = [
            {"name": "standard", "steps": [{"name": "nudge", "offset_days": 3, "channel": "whatsapp"}]}
        ]

    config = write_policy(home / "config", change)
    return config


def cli(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_a_channel_registered_once_is_drafted_listed_edited_approved_sent_and_counted(
    whatsapp, home, monkeypatch
):
    config = _whatsapp_policy(home)
    monkeypatch.setenv("LEDGERLOOP_CONFIG", str(config))
    preview = cli("dunning", "preview", "--date", RUN_ON.isoformat())
    assert "whatsapp  Acme Corp (ACME)" in preview.output and "to +12125550101 on WhatsApp" in preview.output

    with open_store(home) as store, connect(home / "warehouse.duckdb") as con:
        now = dt.datetime.combine(RUN_ON, dt.time(5), dt.UTC)
        audit = audit_log.recorder(store)
        result = run_day(con, policy(config), policy_sha256(config), home, RUN_ON, now, audit)
    (label,) = result.drafted
    assert label.startswith(f"whatsapp:{RUN_ON.isoformat()}/")
    folder = home / "outbox" / "dunning" / "whatsapp" / "drafts" / RUN_ON.isoformat()
    assert [p.name for p in folder.iterdir()] == [label.rpartition("/")[2]]

    (draft,) = account_drafts(home, {"ACME"})
    assert (draft.label, draft.channel, draft.outbox_channel.title) == (label, "whatsapp", "WhatsApp")
    assert draft.editable and draft.invoice_keys == ("NYC:101",)
    assert edit_draft(home, draft, "kim", ["Acme: please pay INV 101 today."], lambda *a, **k: None)

    listed = [json.loads(line) for line in cli("drafts", "list", "--json").output.splitlines()]
    assert [(e["kind"], e["name"], e["state"]) for e in listed] == [("dunning_whatsapp", label, "draft")]

    assert f"approved  {label}" in cli("drafts", "approve", "--all", "--as", "kim").output
    sent = cli("drafts", "send", "--as", "kim").output
    assert f"sent      {label}" in sent
    dispatched = home / "outbox" / "dunning" / "whatsapp" / "dispatch" / RUN_ON.isoformat()
    assert "Acme: please pay INV 101 today." in next(dispatched.glob("*.txt")).read_text()

    with connect(home / "warehouse.duckdb", read_only=True) as con:
        events = con.execute(
            "select channel, kind from raw.outreach_events where account_id = 'ACME' order by kind"
        ).fetchall()
        contacts = load_engagement(con, dt.date.max, None, "UTC").contacts["ACME"]  # sent when the test ran
    assert events == [("whatsapp", "approved"), ("whatsapp", "drafted"), ("whatsapp", "sent")]
    assert {what for _, what in contacts} == {"WhatsApp message sent"}


def test_the_policy_refuses_a_channel_nobody_registered_and_names_the_registered_ones(home):
    with pytest.raises(ValueError, match="Input should be 'email', 'sms', 'letter' or 'call_task'"):
        policy(_whatsapp_policy(home))


def test_every_registered_channel_has_one_drafter_and_a_drafter_needs_its_channel_registered():
    for registered in notification_channels.channels():
        assert drafting_channels.drafter(registered.name).channel is registered
    with pytest.raises(ValueError, match="unknown dunning channel 'whatsapp'"):
        drafting_channels.register(WhatsAppDrafter())
    clash = WhatsAppChannel()
    clash.folder = "sms"
    with pytest.raises(ValueError, match="already taken"):
        notification_channels.register(clash)
    assert "whatsapp" not in [c.name for c in notification_channels.channels()]


# No code outside the channel modules dispatches on a channel's name ------------------------------
NAMED_BY_CHANNEL = ("email", "sms", "letter", "call_task", "dunning")
"""Names and labels of the built-in channels (`dunning` is the email outbox's label)."""
SCANNED = (
    "orchestration/dunning", "orchestration/cli", "orchestration/policy", "orchestration/defs/outreach",
    "notifications", "portal",
)
CHANNEL_MODULES = ("orchestration/dunning/channels/", "notifications/channels/")


def _channel_constants(node: ast.AST) -> list[str]:
    values = node.elts if isinstance(node, ast.Tuple | ast.List | ast.Set) else [node]
    return [v.value for v in values if isinstance(v, ast.Constant) and v.value in NAMED_BY_CHANNEL]


def dispatch_on_channel_names(path: Path) -> list[str]:
    """`file:line` of each comparison with, key lookup by, or table keyed by a channel's name."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            named = [c for side in [node.left, *node.comparators] for c in _channel_constants(side)]
        elif isinstance(node, ast.Subscript):
            named = _channel_constants(node.slice)
        elif isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            named = [k for k in keys if k in NAMED_BY_CHANNEL]
            named = named if len(named) > 1 else []
        else:
            continue
        if named and not _about_an_address(node):
            found.append(f"{path.relative_to(ROOT).as_posix()}:{node.lineno} {named}")
    return found


def _about_an_address(node: ast.AST) -> bool:
    """`contact["email"]`, `row["email"]`: a person's email address, not the channel."""
    return isinstance(node, ast.Subscript) and _channel_constants(node.slice) == ["email"]


def test_no_code_outside_the_channel_modules_dispatches_on_a_channel_name():
    files = [p for folder in SCANNED for p in sorted((ROOT / folder).rglob("*.py"))
             if not p.relative_to(ROOT).as_posix().startswith(CHANNEL_MODULES)]
    assert len(files) > 80
    assert [hit for path in files for hit in dispatch_on_channel_names(path)] == []


def test_no_drafts_page_template_dispatches_on_a_channel_name():
    pages = sorted((ROOT / "portal" / "templates" / "drafts").glob("*.jinja2"))
    assert pages
    named = re.compile(r"channel\s*==|[\"'](sms|letter)[\"']\s*:")
    assert [p.name for p in pages if named.search(p.read_text(encoding="utf-8"))] == []
