"""The reports' words are in the app's one catalogue (app.core.i18n): ``_("key")`` in the
templates (Jinja's i18n extension, app/reports/render.py), ``t("key", lang)`` in Python; their
numbers and dates are app.core.formatting's.
"""

from app.core.i18n import LANGUAGES, N_, t

__all__ = ["COMPOSED", "LANGUAGES", "t"]

# Keys the templates and render.py compose from a value, listed for Babel's extractor (the
# messages themselves are in the app's one catalogue, app/locale/*/messages.po).
COMPOSED = (
    # A measure's status (reports.status.Status), also its traffic light on the purchaser's page
    N_("on_track"), N_("at_risk"), N_("off_track"), N_("no_value"), N_("no_target"),
    # The reporting frequency: "every_" ~ Frequency (a direction is "direction_" ~ Direction, an
    # agreement's state "status_" ~ AgreementStatus: app/web/i18n.py lists them)
    # How a measure's value was held against the year's target: "compared_" ~ Comparison
    N_("compared_pro_rated_sum"), N_("compared_year_to_date_level"),
    N_("compared_latest_level"), N_("compared_target_path"),
    # ... and the agreement's words for it: "comparison_" ~ Comparison
    N_("comparison_pro_rated_sum"), N_("comparison_year_to_date_level"),
    N_("comparison_latest_level"), N_("comparison_target_path"),
    N_("every_month"), N_("every_quarter"), N_("every_tertial"), N_("every_year"),
    # A provider's kind (ProviderKind) and a resource's (ResourceKind)
    N_("own_production_unit"), N_("municipal_enterprise"), N_("in_house_company"),
    N_("joint_municipal_authority"), N_("company"), N_("foundation"), N_("association"),
    N_("existing"), N_("transfer"), N_("additional"), N_("investment"), N_("bequest_funds"),
)
