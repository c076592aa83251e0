"""The read-scope rules are registered by each feature beside its models (app.auth.scopes);
the policy (app.auth.authz) imports none of the features."""

import ast
from pathlib import Path

import pytest

import app.models  # noqa: F401  (every feature's models, so every rule, registered)
from app.auth import authz, scopes
from app.core.db import Base


def test_the_policy_imports_no_features_models() -> None:
    tree = ast.parse(Path(authz.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module}
    assert sorted(m for m in imported if m.startswith("app.")) == [
        "app.auth", "app.auth.models", "app.core.errors"]


@pytest.mark.parametrize("who", ["board", "provider", "public"])
def test_every_content_rule_reaches_through_registered_roots(who: scopes.Who) -> None:
    for mapper in Base.registry.mappers:
        rule = scopes.rule_of(mapper.class_)
        if rule is not None and rule.content is not None:
            rule.content(scopes.Reach(who, 1)).compile()  # a missing root raises here


def test_agreement_content_and_master_data_are_registered() -> None:
    names = {m.__name__ for m in authz.AGREEMENT_CONTENT}
    assert {"ServiceAgreement", "IndicatorValue", "Delivery", "ReportingDeadline"} <= names
    assert {m.__name__ for m in authz.VALUES} == {"IndicatorValue", "IndicatorValueRevision",
                                                  "Delivery"}
    assert {m.__name__ for m in authz.INSTALLATION_ONLY} == {"Municipality"}
    assert "Board" in {m.__name__ for m in authz.MASTER_DATA}
