"""The product catalogue (tuoteluettelo): service area → product group → product."""

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base
from app.core.models import TenantOwned


class ServiceArea(TenantOwned, Base):
    """Palvelualue / palvelukokonaisuus, e.g. children's and young people's services."""

    __tablename__ = "service_areas"
    __table_args__ = (UniqueConstraint("municipality_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    name_fi: Mapped[str] = mapped_column(String(300))
    name_sv: Mapped[str | None] = mapped_column(String(300))


class ProductGroup(TenantOwned, Base):
    """Tuoteryhmä, e.g. day care (päivähoito)."""

    __tablename__ = "product_groups"
    __table_args__ = (UniqueConstraint("municipality_id", "code"),)

    service_area_id: Mapped[int] = mapped_column(
        ForeignKey("service_areas.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    name_fi: Mapped[str] = mapped_column(String(300))
    name_sv: Mapped[str | None] = mapped_column(String(300))


class Product(TenantOwned, Base):
    """Tuote, with its unit of output (suoritteen yksikkö): care day, pupil, visit, hour …"""

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("municipality_id", "code"),)

    product_group_id: Mapped[int] = mapped_column(
        ForeignKey("product_groups.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    name_fi: Mapped[str] = mapped_column(String(300))
    name_sv: Mapped[str | None] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(40))
