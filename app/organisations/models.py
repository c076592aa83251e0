"""Municipalities (kunnat), boards (lautakunnat), purchaser units, regions and providers."""

from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Attributed, Base
from app.core.models import TenantOwned, enum_column
from app.core.visibility import INSTALLATION, Visibility, Writers, declare


class Municipality(Attributed, Base):
    """Kunta or wellbeing services county: the tenant. Code = Statistics Finland's number."""

    __tablename__ = "municipalities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(3), unique=True)
    name_fi: Mapped[str] = mapped_column(String(300))
    name_sv: Mapped[str | None] = mapped_column(String(300))


class Board(TenantOwned, Base):
    """Tilaajalautakunta: a purchaser board of elected councillors, e.g. LANULA."""

    __tablename__ = "boards"
    __table_args__ = (UniqueConstraint("municipality_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    name_fi: Mapped[str] = mapped_column(String(300))
    name_sv: Mapped[str | None] = mapped_column(String(300))


class PurchaserUnit(TenantOwned, Base):
    """Osavastuualue: a purchaser manager's sub-area of responsibility under a board."""

    __tablename__ = "purchaser_units"
    __table_args__ = (UniqueConstraint("municipality_id", "code"),)

    board_id: Mapped[int | None] = mapped_column(
        ForeignKey("boards.id", ondelete="SET NULL"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    name_fi: Mapped[str] = mapped_column(String(300))
    name_sv: Mapped[str | None] = mapped_column(String(300))


class Region(TenantOwned, Base):
    """Alue: a region of the municipality's own production."""

    __tablename__ = "regions"
    __table_args__ = (UniqueConstraint("municipality_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    name_fi: Mapped[str] = mapped_column(String(300))
    name_sv: Mapped[str | None] = mapped_column(String(300))


class ProviderKind(StrEnum):
    own_production_unit = "own_production_unit"  # oma tuotantoyksikkö
    municipal_enterprise = "municipal_enterprise"  # liikelaitos
    in_house_company = "in_house_company"  # sidosyksikköyhtiö
    joint_municipal_authority = "joint_municipal_authority"  # kuntayhtymä
    company = "company"  # yritys
    foundation = "foundation"  # säätiö
    association = "association"  # yhdistys


class ProviderOrganisation(Attributed, Base):
    """The provider as one legal person in the installation, known by its business ID
    (Y-tunnus): a joint municipal authority or a company that is party to agreements of several
    municipalities. Each municipality keeps its own Provider row (its code, region and name as
    it knows the provider); the rows of one Y-tunnus link here, and the organisation's reporter
    reports for all of them with one login."""

    __tablename__ = "provider_organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[ProviderKind] = enum_column(ProviderKind)


class Provider(TenantOwned, Base):
    """Tuottaja. Own production units carry only their internal code; others may carry a
    business ID (Y-tunnus), which links them to the installation's organisation of that ID."""

    __tablename__ = "providers"
    __table_args__ = (UniqueConstraint("municipality_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[ProviderKind] = enum_column(ProviderKind)
    business_id: Mapped[str | None] = mapped_column(String(9))
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id", ondelete="SET NULL"), index=True
    )
    # Set from business_id by the service (app.organisations.service), never by the caller.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("provider_organisations.id", ondelete="SET NULL"), index=True
    )
    organisation: Mapped[ProviderOrganisation | None] = relationship(lazy="raise")


# The municipality's organisation is a public record (app.core.visibility); the installation's
# admin alone creates, changes and deletes municipalities.
declare(Municipality, Visibility.MASTER_DATA, tenant=Municipality.id,
        writers=Writers.INSTALLATION)
for _model in (Board, PurchaserUnit, Region, Provider):
    declare(_model, Visibility.MASTER_DATA)
# An organisation is a public record of the installation (the trade register's name and ID):
# readable by every role, whatever the municipality; written by the service as providers link.
declare(ProviderOrganisation, Visibility.MASTER_DATA, tenant=INSTALLATION,
        writers=Writers.INSTALLATION)
