"""The web pages' words: the app's one catalogue (app.core.i18n, app/locale/*/messages.po).

The templates call ``_("key")`` (Jinja's i18n extension, app/web/render.py); Python calls
``t("key", lang)``. A key the templates compose from a value (``"status_" ~ state``) is listed
here, so that Babel's extractor finds it and the catalogue test holds it to a translation.
"""

from app.core.i18n import LANGUAGES, N_, t

__all__ = ["COMPOSED", "LANGUAGES", "t"]

COMPOSED = (
    # An agreement's state: "status_" ~ AgreementStatus
    N_("status_draft"), N_("status_negotiation"), N_("status_approved"), N_("status_in_force"),
    N_("status_closed"), N_("status_superseded"),
    # "role_" ~ Role
    N_("role_admin"), N_("role_purchaser_director"), N_("role_purchaser_manager"),
    N_("role_provider_reporter"), N_("role_board_member"),
    # A due value: "due_" ~ DueStatus
    N_("due_returned"), N_("due_overdue"), N_("due_due"), N_("due_submitted"), N_("due_accepted"),
    # A reported value: "value_" ~ ValueStatus
    N_("value_submitted"), N_("value_accepted"), N_("value_returned"),
    # (A measure's traffic light is its status, the reports' words: app/reports/i18n.py.)
    # Version comparison: "change_" ~ diff.Change, and "field_" ~ a compared field
    N_("change_added"), N_("change_removed"), N_("change_changed"),
    N_("field_title"), N_("field_description"), N_("field_name"), N_("field_unit"),
    N_("field_tolerance"), N_("field_direction"), N_("field_frequency"), N_("field_provider"),
    N_("field_boards"), N_("field_year"), N_("field_order_budget_id"), N_("field_comparison"),
    N_("field_steering"), N_("field_reward_kind"), N_("field_reward_amount"),
    N_("field_reward_percent"), N_("field_reward_cap"), N_("field_reward_description"),
    # The upload's preview: "action_" ~ submissions.ledger.Action
    N_("action_created"), N_("action_updated"), N_("action_unchanged"),
    # What a form did: "saved_" ~ outcome, "reviewed_" ~ accept | return
    N_("saved_created"), N_("saved_updated"), N_("saved_unchanged"), N_("saved_note"),
    N_("reviewed_accept"), N_("reviewed_return"), N_("reviewed_note"),
    # "direction_" ~ Direction
    N_("direction_higher_is_better"), N_("direction_lower_is_better"),
    # The report's language: "lang_" ~ code
    N_("lang_fi"), N_("lang_sv"), N_("lang_en"),
    # The value form's plausibility question: "plausible_" ~ what the value is compared with
    N_("plausible_target"), N_("plausible_baseline"), N_("plausible_earlier"),
    # The report's preview before issuing: the open values by kind
    N_("warn_unreviewed"), N_("warn_returned"), N_("warn_missing"),
    # The overview's sort order: "sort_" ~ app.web.board_rows.SORTS; a measure's rule: "rollup_" ~ Rollup
    N_("sort_status"), N_("sort_measure"), N_("sort_provider"),
    N_("rollup_last"), N_("rollup_sum"), N_("rollup_mean"),
    # The error page (app/web/router.py error_page)
    N_("not_found"), N_("forbidden"), N_("conflict"), N_("csrf_failed"),
)
