"""The drafts pages: a collector reviews the dunning drafts of their own accounts
(`/workbench/drafts`), a manager those of their office's collectors (`/team/drafts`); both approve,
edit the text, or reject with a reason (`portal.drafts_review`)."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect

from portal import drafts_review as review
from portal.controllers.signed_in import signed_in_dependencies
from portal.controllers.workbench import provide_staff
from portal.guards import requires_collector, requires_manager
from portal.pages import Page
from portal.store import PortalStore, worklists
from portal.store.team import StaffMember

# Where each role's drafts pages are and whose accounts they show.
ROLE_PAGES = {
    "collector": {
        "base": "/workbench/drafts",
        "back_url": "/workbench",
        "back_label": "Back to your list",
        "sub": "collector workbench",
        "whose": "your accounts",
        "account_url": "/workbench/account",
    },
    "manager": {
        "base": "/team/drafts",
        "back_url": "/team",
        "back_label": "Back to your team",
        "sub": "team view",
        "whose": "your team's accounts",
    },
}


def reviewer_of(store: PortalStore, person: StaffMember) -> review.Reviewer:
    """The signed-in person and the accounts whose drafts they may act on: a collector's own list,
    a manager's office (every office for a manager without one)."""
    if person.role == "collector":
        accounts = worklists.account_names(store, collector_email=person.email)
    else:
        accounts = worklists.account_names(store, office=person.office)
    return review.Reviewer(email=person.email, name=person.name, accounts=accounts, **ROLE_PAGES[person.role])


class _DraftsController(Controller):
    """The pages both roles share; a subclass says where they are and who may see them."""

    @get("/", sync_to_thread=True)
    def drafts(
        self,
        request: Request,
        person: NamedDependency[StaffMember],
        store: NamedDependency[PortalStore],
        page: FromQuery[int] = 1,
        done: FromQuery[str] = "",
        did: FromQuery[str] = "approved",
    ) -> Page:
        """A page of dunning drafts waiting for approval, each with its preview and actions."""
        reviewer = reviewer_of(store, person)
        return review.list_page(request, store, reviewer, page=page, done=done, did=did)

    @get("/edit", sync_to_thread=True)
    def edit(
        self,
        request: Request,
        person: NamedDependency[StaffMember],
        store: NamedDependency[PortalStore],
        draft: FromQuery[str] = "",
    ) -> Page:
        """One waiting draft: edit its text, or reject it with a reason."""
        return review.edit_page(request, store, reviewer_of(store, person), draft)

    @post("/edit", sync_to_thread=True)
    def save(
        self,
        request: Request,
        person: NamedDependency[StaffMember],
        store: NamedDependency[PortalStore],
        data: URLEncodedBody[review.EditForm],
    ) -> Page | Redirect:
        """Save the edited text: it is what is approved and sent."""
        return review.save_edit(request, store, reviewer_of(store, person), data)

    @post("/approve", sync_to_thread=True)
    def approve(
        self,
        request: Request,
        person: NamedDependency[StaffMember],
        store: NamedDependency[PortalStore],
        data: URLEncodedBody[review.ApproveForm],
    ) -> Page | Redirect:
        """Approve one listed draft (audited with the person as actor and the account)."""
        return review.approve(request, store, reviewer_of(store, person), data)

    @post("/reject", sync_to_thread=True)
    def reject(
        self,
        request: Request,
        person: NamedDependency[StaffMember],
        store: NamedDependency[PortalStore],
        data: URLEncodedBody[review.RejectForm],
    ) -> Page | Redirect:
        """Reject one waiting draft with a reason: it never goes out."""
        return review.reject(request, store, reviewer_of(store, person), data)

    @get("/letter.pdf", sync_to_thread=True)
    def letter(
        self,
        request: Request,
        person: NamedDependency[StaffMember],
        store: NamedDependency[PortalStore],
        draft: FromQuery[str] = "",
    ) -> Response | Page:
        """The printable PDF of one waiting letter draft."""
        return review.letter(request, store, reviewer_of(store, person), draft)


class WorkbenchDraftsController(_DraftsController):
    """A collector's drafts: only the accounts on their own worklist."""

    path = "/workbench/drafts"
    guards = [requires_collector]
    dependencies = signed_in_dependencies("person", provide_staff)


class TeamDraftsController(_DraftsController):
    """A manager's drafts: the accounts of their office's collectors (every office without one)."""

    path = "/team/drafts"
    guards = [requires_manager]
    dependencies = signed_in_dependencies("person", provide_staff)
