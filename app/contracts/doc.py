"""The base of every document of the contracts format: an unknown field is an error."""

from pydantic import BaseModel, ConfigDict


class Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")
