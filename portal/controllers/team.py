"""The manager's team view: workload per collector and each collector's list, read-only, scoped
to the manager's office (every office for a manager without one)."""

from __future__ import annotations

import logging

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery

from portal.context import client_id
from portal.controllers.signed_in import error_page, signed_in_dependencies
from portal.controllers.workbench import MAX_ID_LENGTH, account_page, provide_staff, worklist_page
from portal.guards import requires_manager
from portal.pages import Page
from portal.store import PortalStore, audit_log, team, worklists
from portal.store.team import StaffMember
from portal.team_view import team_view
from portal.workbench_forms import AccountScope

log = logging.getLogger("portal.team")


def in_scope(manager: StaffMember, collector_office: str | None) -> bool:
    """A manager sees the collectors of their office; one without an office sees everyone."""
    return manager.office is None or collector_office == manager.office


class TeamController(Controller):
    """Pages for a signed-in manager."""

    path = "/team"
    guards = [requires_manager]
    dependencies = signed_in_dependencies("manager", provide_staff)

    @get("/", sync_to_thread=True)
    def workload(
        self, manager: NamedDependency[StaffMember], store: NamedDependency[PortalStore]
    ) -> Page:
        """Open items, balances, activity, coverage gaps per collector, and whether load is even."""
        roster = [m for m in team.members(store, "collector") if in_scope(manager, m.office)]
        return Page(
            "team/workload.html.jinja2",
            context={"manager": manager, "team": team_view(team.workload(store, manager.office), roster)},
        )

    def _refuse(self, request: Request, manager: StaffMember, store: PortalStore, name: str) -> Page:
        log.warning(
            "team: manager %s asked for collector %r outside their scope (client %s)",
            manager.email,
            name[:200],
            client_id(request),
        )
        audit_log.record(
            store, manager.email, "foreign_collector_rejected", name[:200], {"client": client_id(request)}
        )
        return error_page(
            404,
            "Not in your team",
            "That is not in your team. Go back to the team view.",
            back_url="/team",
            back_label="Back to your team",
        )

    def _collector(self, manager: StaffMember, store: PortalStore, name: str) -> StaffMember | None:
        """The collector named `name` if they are in the manager's scope."""
        known, office = team.collector_office(store, name[:MAX_ID_LENGTH])
        if not known or not in_scope(manager, office):
            return None
        return StaffMember(email="", role="collector", name=name, office=office)

    @get("/collector", sync_to_thread=True)
    def collector_list(
        self,
        request: Request,
        manager: NamedDependency[StaffMember],
        store: NamedDependency[PortalStore],
        name: FromQuery[str] = "",
    ) -> Page:
        """One collector's ranked list, read-only, if the collector is in the manager's scope."""
        collector = self._collector(manager, store, name)
        if collector is None:
            return self._refuse(request, manager, store, name)
        return worklist_page(store, collector, read_only=True)

    @get("/account", sync_to_thread=True)
    def account(
        self,
        request: Request,
        manager: NamedDependency[StaffMember],
        store: NamedDependency[PortalStore],
        collector: FromQuery[str] = "",
        account_id: FromQuery[str] = "",
    ) -> Page:
        """An account on a collector's list, read-only: their open items and its timeline."""
        member = self._collector(manager, store, collector)
        asked = account_id[:MAX_ID_LENGTH]
        items = worklists.collector_account_items(store, collector, asked) if member else []
        if member is None or not items:
            return self._refuse(request, manager, store, f"{collector[:100]} / {account_id[:100]}")
        scope = AccountScope(
            account_id=account_id,
            invoice_currencies={},
            open_balances=worklists.account_open_balances(store, account_id),
            open_disputes=frozenset(),
        )
        return account_page(store, member, items, scope, read_only=True)
