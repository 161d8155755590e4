"""`ledgerloop portal` and `ledgerloop link`: serve the director portal, mint and revoke links.

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

    settings = _portal_settings(home)
    app = create_app(settings)
    click.echo(f"Director portal: http://{host}:{port}  "
               f"(store: {store_label(settings.db_url)}; Ctrl-C to stop)")
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,  # failures are logged by the portal itself; one line per hit costs ~10%
        proxy_headers=False,  # the failure limiter counts the peer address, not a forgeable header
        server_header=False,
    )


@click.command("link")
@click.argument("email")
@click.option(
    "--base-url", default=None, help="Public address of the portal (default LEDGERLOOP_PORTAL_URL)."
)
@click.option("--revoke", is_flag=True, help="Revoke every link of this director instead of minting one.")
@click.option("--home", envvar="LEDGERLOOP_HOME", default=None, help="Working folder (LEDGERLOOP_HOME).")
def link_command(email: str, base_url: str | None, revoke: bool, home: str | None) -> None:
    """Print a signed portal link for the director EMAIL, or revoke all of theirs."""
    from portal.links import LinkSigner, link_url, normalize_email
    from portal.store import PortalStore

    if "@" not in email:
        raise click.BadParameter(f"{email!r} is not an email address", param_hint="EMAIL")
    settings = _portal_settings(home)
    director = normalize_email(email)
    store = PortalStore.from_url(settings.db_url)
    actor = f"cli:{getpass.getuser()}"
    try:
        if revoke:
            version = store.revoke(director)
            store.audit(actor, "links_revoked", director, {"version": version})
            click.echo(f"Revoked every link of {director}; new links use version {version}.")
            return
        version = store.link_version(director)
        token = LinkSigner(settings.secret_key, settings.link_max_age_seconds).mint(director, version)
        store.audit(actor, "link_minted", director, {"version": version})
        if not store.jobs_for(director):
            click.echo(f"note: no jobs are published for {director} yet; the page will be empty.", err=True)
        click.echo(link_url(base_url or settings.base_url, token))
    finally:
        store.close()
