"""Request and response bodies of the agreement lifecycle (transitions, comments, carry-over)."""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AnyHttpUrl, BaseModel, BeforeValidator, Field, StringConstraints

from app.agreements.models import AgreementStatus
from app.core.types import Code, Name, ReadSchema, Schema, Text, Year, no_nul


def _article(value: Any) -> Any:
    """'§ 145' and '145' are the same § number."""
    return value.strip().removeprefix("§").strip() if isinstance(value, str) else value


ArticleNumber = Annotated[str, BeforeValidator(_article),
                          StringConstraints(min_length=1, max_length=20, pattern=r"^[0-9]+[a-z]?$")]
RegisterId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60),
                       AfterValidator(no_nul)]
MinutesUrl = Annotated[AnyHttpUrl, Field(max_length=500)]
CommentText = Annotated[Text, StringConstraints(min_length=1)]


class TransitionIn(Schema):
    """Move an agreement version on. An approval records the board's decision, named as in the
    Finnish open decision API (päätösrajapinta)."""

    to: Annotated[AgreementStatus, Field(examples=["negotiation", "approved"])]
    comment: Text | None = None
    organization: Name | None = Field(None, description="The deciding body, e.g. LANULA",
                                      examples=["Lasten ja nuorten lautakunta"])
    event_date: date | None = Field(None, description="The meeting date")
    article_number: ArticleNumber | None = Field(None, description="The § number",
                                                 examples=["145"])
    register_id: RegisterId | None = Field(None, description="The case's register id "
                                           "(diaarinumero)", examples=["HML/1234/02.05.00/2013"])
    minutes_url: MinutesUrl | None = Field(None, description="Link to the minutes (pöytäkirja)")
    effective_from: date | None = Field(
        None, description="An approval: the day from which the version counts (voimaantulo); "
        "the meeting date by default. Periods ending before it keep the earlier version.")


class TransitionRead(ReadSchema):
    id: int
    version: int
    from_status: AgreementStatus
    to_status: AgreementStatus
    organization: str | None
    event_date: date | None
    article_number: str | None
    register_id: str | None
    minutes_url: str | None
    comment: str | None
    created_by: str
    created_at: datetime


class CommentIn(Schema):
    text: CommentText


class CommentRead(ReadSchema):
    id: int
    version: int
    author_role: str
    provider_id: int | None
    text: str
    created_by: str
    created_at: datetime


class CarryOverIn(Schema):
    year: Year | None = Field(None, description="The new agreement's year; the next by default")
    code: Code | None = Field(None, description="By default the code with the year replaced")
    title: Name | None = None


class MissingTarget(BaseModel):
    goal_code: str
    measure_code: str
    measure_id: int
    year: int


class CarryOverRead(BaseModel):
    agreement: Any
    missing_targets: list[MissingTarget] = Field(
        description="Measures of the new draft with no target for its year: to fill in")
