"""`ledgerloop portal` and `ledgerloop link`: serve the portal, mint and revoke links (directors,
and collectors and managers on the policy's team roster).

Portal modules are imported inside the commands so `ledgerloop --help` stays fast.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import click


def _portal_settings(home: str | None):
    from portal.settings import PortalSettings

    if home:
        os.environ["LEDGERLOOP_HOME"] = str(Path(home).resolve())
    try:
        return PortalSettings.from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def store_label(db_url: str) -> str:
    """The store's address as it may be printed: a database password is masked."""
    from sqlalchemy.engine import make_url

    return make_url(db_url).render_as_string(hide_password=True)


@click.command("portal")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option("--home", envvar="LEDGERLOOP_HOME", default=None, help="Working folder (LEDGERLOOP_HOME).")
def portal_command(host: str, port: int, home: str | None) -> None:
    """Serve the director portal alone (GET /healthz answers 200 when ready)."""
    import uvicorn

    from portal.app import create_app
    from portal.served import record_served_url, served_url

    settings = _portal_settings(home)
    app = create_app(settings)
    url = served_url(host, port)
    record_served_url(settings.home, url)  # links minted from now on open this portal
    click.echo(f"Director portal: {url}  (links point at {settings.base_url if _url_fixed() else url}; "
               f"store: {store_label(settings.db_url)}; Ctrl-C to stop)")
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,  # failures are logged by the portal itself; one line per hit costs ~10%
        proxy_headers=False,  # the failure limiter counts the peer address, not a forgeable header
        server_header=False,
    )


def _url_fixed() -> bool:
    """True when `LEDGERLOOP_PORTAL_URL` names the address links use (a proxy, a public name)."""
    return bool(os.environ.get("LEDGERLOOP_PORTAL_URL"))


def team_roster(policy) -> list:
    """The policy's collectors and managers as the portal store keeps them (contract C1)."""
    from portal.store import StaffMember

    return [
        StaffMember(email=m.email, role=role, name=m.name, office=m.office)
        for role, members in (("collector", policy.team.collectors), ("manager", policy.team.managers))
        for m in members
    ]


def role_of(policy, email: str) -> str:
    """`collector` or `manager` for a roster email (collector first), else `director`."""
    from portal.links import normalize_email

    wanted = normalize_email(email)
    for role, members in (("collector", policy.team.collectors), ("manager", policy.team.managers)):
        if any(normalize_email(m.email) == wanted for m in members):
            return role
    return "director"


def _policy():
    from orchestration.cli_support import load_policy
    from orchestration.settings import Settings

    return load_policy(Settings())


@click.command("link")
@click.argument("email")
@click.option(
    "--base-url", default=None, help="Public address of the portal (default LEDGERLOOP_PORTAL_URL)."
)
@click.option("--revoke", is_flag=True, help="Revoke every link of this person instead of minting one.")
@click.option(
    "--role",
    type=click.Choice(["auto", "director", "collector", "manager"]),
    default="auto",
    show_default=True,
    help="Which door the link opens; auto: collector or manager when EMAIL is on the policy's team roster.",
)
@click.option("--home", envvar="LEDGERLOOP_HOME", default=None, help="Working folder (LEDGERLOOP_HOME).")
def link_command(email: str, base_url: str | None, revoke: bool, role: str, home: str | None) -> None:
    """Print a signed portal link for EMAIL (a director, or a collector or manager on the team
    roster), or revoke all of theirs."""
    from portal.links import LinkSigner, StaffLinkSigner, link_url, normalize_email, staff_link_url
    from portal.store import PortalStore

    if "@" not in email:
        raise click.BadParameter(f"{email!r} is not an email address", param_hint="EMAIL")
    settings = _portal_settings(home)
    person = normalize_email(email)
    store = PortalStore.from_url(settings.db_url)
    actor = f"cli:{getpass.getuser()}"
    try:
        if revoke:
            version = store.revoke(person)
            store.audit(actor, "links_revoked", person, {"version": version})
            click.echo(f"Revoked every link of {person}; new links use version {version}.")
            return
        version = store.link_version(person)
        if role == "auto":
            role = role_of(_policy(), person)
        if role == "director":
            token = LinkSigner(settings.secret_key, settings.link_max_age_seconds).mint(person, version)
            store.audit(actor, "link_minted", person, {"version": version})
            if not store.jobs_for(person):
                click.echo(f"note: no jobs are published for {person} yet; the page will be empty.", err=True)
            click.echo(link_url(base_url or settings.base_url, token))
            return
        roster = team_roster(_policy())
        if not any(m.email.lower() == person and m.role == role for m in roster):
            raise click.ClickException(f"{person} is not a {role} on the team roster (ledgerloop.yaml team:)")
        store.publish_team(roster)  # so the link works before the next run publishes the roster
        signer = StaffLinkSigner(settings.secret_key, settings.link_max_age_seconds, role)
        store.audit(actor, "link_minted", person, {"version": version, "role": role})
        if role == "collector" and not store.items_for(person):
            click.echo(f"note: no worklist is published for {person} yet; the page will be empty.", err=True)
        click.echo(staff_link_url(base_url or settings.base_url, role, signer.mint(person, version)))
    finally:
        store.close()
