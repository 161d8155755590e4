"""`ledgerloop portal` and `ledgerloop link`: serve the portal, mint and revoke links (directors,
and collectors and managers on the policy's team roster).

Portal modules are imported inside the commands so `ledgerloop --help` stays fast.
"""

from __future__ import annotations

import getpass
import os

import click

from orchestration.cli.support import home_option, settings_for


def _portal_settings(home: str | None):
    from portal.settings import PortalSettings

    try:
        return PortalSettings.from_env({**os.environ, "LEDGERLOOP_HOME": str(settings_for(home).home)})
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def store_label(db_url: str) -> str:
    """The store's address as it may be printed: a database password is masked."""
    from sqlalchemy.engine import make_url

    return make_url(db_url).render_as_string(hide_password=True)


@click.command("portal")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@home_option
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


def team_roster(team) -> list:
    """The policy's collectors and managers as the portal store keeps them (contract C1)."""
    from portal.store.team import StaffMember

    return [
        StaffMember(email=m.email, role=role, name=m.name, office=m.office)
        for role, members in (("collector", team.collectors), ("manager", team.managers))
        for m in members
    ]


def _team():
    """The policy's `team:` section alone: the rest of the policy is not needed to mint a link."""
    from orchestration.policy.team import read_team
    from orchestration.settings import Settings

    try:
        return read_team(Settings().config_path)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def _resolve(who: str, role: str, roster: list, store) -> tuple[str, str]:
    """(email, role) of WHO: an email (role from the roster when `auto`), or a name."""
    from orchestration.cli.people import AmbiguousName, NameNotFound, Person, find_person
    from portal.links import normalize_email
    from portal.store import director_jobs

    roster = [Person(m.name, normalize_email(m.email), m.role, m.office) for m in roster]
    if "@" in who:
        email = normalize_email(who)
        on_roster = next((p.role for p in roster if p.email == email), "director")
        return email, on_roster if role == "auto" else role
    directors = [Person(name, email, "director") for email, name in director_jobs.directors(store)]
    people = [p for p in [*roster, *directors] if role in ("auto", p.role)]
    try:
        person = find_person(who, people)
    except (AmbiguousName, NameNotFound) as exc:
        raise click.BadParameter(str(exc), param_hint="EMAIL_OR_NAME") from None
    return person.email, person.role


@click.command("link")
@click.argument("who", metavar="EMAIL_OR_NAME")
@click.option(
    "--base-url", default=None, help="Public address of the portal (default LEDGERLOOP_PORTAL_URL)."
)
@click.option("--revoke", is_flag=True, help="Revoke every link of this person instead of minting one.")
@click.option(
    "--role",
    type=click.Choice(["auto", "director", "collector", "manager", "customer"]),
    default="auto",
    show_default=True,
    help="Which door the link opens; auto: collector or manager when the person is on the policy's "
    "team roster, else director; customer: a contact in contacts/account_contacts.csv.",
)
@click.option(
    "--account", default=None, help="customer: the account, when the contact is listed under several."
)
@home_option
def link_command(
    who: str, base_url: str | None, revoke: bool, role: str, account: str | None, home: str | None
) -> None:
    """Print a signed portal link for a director, a collector or manager on the team roster, or a
    customer contact (`--role customer`), or revoke all of theirs. EMAIL_OR_NAME is an email or a
    name ("Avery Brooks", or "Avery" when only one person has it; customers by email)."""
    if role == "customer":
        from orchestration.cli.customer_link import customer_link

        settings = _portal_settings(home)
        customer_link(settings, settings.home, who, account, revoke, base_url)
        return
    from portal.links import LinkSigner, StaffLinkSigner, link_url, staff_link_url
    from portal.store import audit_log, connect, director_jobs, link_versions, team, worklists

    settings = _portal_settings(home)
    roster = team_roster(_team())
    store = connect(settings.db_url)
    actor = f"cli:{getpass.getuser()}"
    try:
        person, role = _resolve(who, role, roster, store)
        if revoke:
            version = link_versions.revoke(store, person)
            audit_log.record(store, actor, "links_revoked", person, {"version": version})
            click.echo(f"Revoked every link of {person}; new links use version {version}.")
            return
        version = link_versions.current(store, person)
        if role == "director":
            token = LinkSigner(settings.secret_key, settings.link_max_age_seconds).mint(person, version)
            audit_log.record(store, actor, "link_minted", person, {"version": version})
            if not director_jobs.for_director(store, person):
                click.echo(f"note: no jobs are published for {person} yet; the page will be empty.", err=True)
            click.echo(link_url(base_url or settings.base_url, token))
            return
        if not any(m.email.lower() == person and m.role == role for m in roster):
            raise click.ClickException(f"{person} is not a {role} on the team roster (ledgerloop.yaml team:)")
        team.publish_roster(store, roster)  # so the link works before the next run publishes the roster
        signer = StaffLinkSigner(settings.secret_key, settings.link_max_age_seconds, role)
        audit_log.record(store, actor, "link_minted", person, {"version": version, "role": role})
        if role == "collector" and not worklists.items_for(store, person):
            click.echo(f"note: no worklist is published for {person} yet; the page will be empty.", err=True)
        click.echo(staff_link_url(base_url or settings.base_url, role, signer.mint(person, version)))
    finally:
        store.close()
