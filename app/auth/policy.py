"""Who may call a route: the declaration every route makes, as a typed dependency.

A route names its callers in its signature, e.g. ``user: Purchaser`` or
``user: Annotated[User, Depends(Allow(roles_for(Act.write, Measure)))]``; the declaration
answers 401 to the public and 403 to a role not named before any body is parsed or object
loaded, and hands the route its user. What a caller may do to one object is decided later by
``app.auth.authz.authorize`` (the tenant, provider, board and purchaser unit).

The declaration is readable from the route (``declaration_of``): tests/auth/test_matrix.py
builds the route × role matrix from it, and fails for a route without one. Web pages (cookie
session) declare their callers the same way with ``app.web.deps.WebAllow``.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from app.auth import authz
from app.auth.authz import (
    ALL_ROLES,
    INSTALLATION_ONLY,
    PURCHASER_ROLES,
    Act,
    is_installation_admin,
    roles_for,
)
from app.auth.deps import BearerToken, get_current_user, get_pending_user
from app.auth.models import Role, User
from app.core import access
from app.core.db import SessionDep
from app.core.errors import Forbidden, Unauthorized


@dataclass(frozen=True, eq=False)
class Declaration:
    """Who may call: ``roles`` (logged in), the public too (``public``), a user who has not
    yet set up his second factor (``pending``), only the installation's admin
    (``installation``), or no one in particular (``identify=False``: the route does not ask
    who calls, e.g. logging in)."""

    roles: frozenset[Role]
    public: bool = False
    pending: bool = False
    installation: bool = False
    identify: bool = True

    def admits(self, user: User | None) -> None:
        """401 or 403 unless ``user`` (None: the public) is one of the declared callers."""
        if user is None:
            if not self.public:
                raise Unauthorized("Log in first: send 'Authorization: Bearer <token>'")
            return
        if user.role not in self.roles or (self.installation and
                                           not is_installation_admin(user)):
            who = "the installation's admin" if self.installation else \
                ", ".join(sorted(r.value for r in self.roles))
            raise Forbidden(f"Your role ({user.role.value}) may not use this; it is for: {who}")


@dataclass(frozen=True, eq=False)
class Allow(Declaration):
    """The API's declaration: the caller from the bearer token (a session or an API token)."""

    def __call__(self, request: Request, session: SessionDep, token: BearerToken) -> User | None:
        if not self.identify:
            return None
        user = None
        if token:
            user = (get_pending_user if self.pending else get_current_user)(
                request, session, token)
        self.admits(user)
        return user


def allow(roles: Iterable[Role] = ALL_ROLES, **flags: bool) -> Allow:
    return Allow(frozenset(roles), **flags)


PUBLIC = allow(public=True, identify=False)  # answers without asking who calls
# Routes with no caller to speak of (logging in, the health check).
Anyone = Annotated[None, Depends(PUBLIC)]
# Master data, approved agreements and issued reports: the public, and more when logged in.
Reader = Annotated[User | None, Depends(allow(public=True))]
LoggedIn = Annotated[User, Depends(allow())]
Pending = Annotated[User, Depends(allow(pending=True))]  # TOTP set-up, logout
Purchaser = Annotated[User, Depends(allow(PURCHASER_ROLES))]
Admin = Annotated[User, Depends(allow({Role.admin}))]


def may_do(act: Act, model: Any = None) -> Allow:
    """The roles that may do ``act`` to ``model`` (authz's rules), declared on a route."""
    return allow(roles_for(act, model),
                 installation=act is Act.write and model in INSTALLATION_ONLY)


def declarations(dependant: Any) -> Iterator[Declaration]:
    for dep in dependant.dependencies:
        if isinstance(dep.call, Declaration):
            yield dep.call
        yield from declarations(dep)


def declaration_of(dependant: Any) -> Declaration | None:
    """The route's declaration of its callers (its dependant's), or None without one; the
    same declaration reached again through a dependency of the route counts once."""
    found = list(dict.fromkeys(declarations(dependant)))
    return found[0] if len(found) == 1 else None


class CrudPolicy:
    """authz and the declarations, as app.core.access's policy (core imports no feature)."""

    reader = Reader
    logged_in = LoggedIn
    scope = staticmethod(authz.scope)
    require_write = staticmethod(authz.require_write)
    require_write_object = staticmethod(authz.require_write_object)

    @staticmethod
    def writer(model: Any) -> Any:
        return Annotated[User, Depends(may_do(Act.write, model))]

    @staticmethod
    def is_public(model: Any) -> bool:
        """Approved agreements and master data are public records: readable without login."""
        return authz.is_public(model)


# Registered at import (app.models and every router import this module); app.core.access refuses to
# work without it rather than run unscoped.
access.use_policy(CrudPolicy())
