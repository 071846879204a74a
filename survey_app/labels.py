"""Danish names for the codes staff pages would otherwise show: roles, audit actions and
outcomes, wave states and how a p-value was computed. Unknown codes are shown as they are."""

from __future__ import annotations

from flask import Flask

ROLE_NAMES = {
    "admin": "administrator",
    "evaluator": "evaluator",
    "coordinator": "koordinator",
    "caseworker": "rådgiver",
}
ACTION_NAMES = {
    "access_denied": "Adgang nægtet",
    "citizen_erase": "Borgers data slettet",
    "citizen_export": "Borgers data udleveret",
    "create_invitations": "Invitationslinks lavet",
    "download_dashboard_counts": "Antal svar hentet (CSV)",
    "export": "Eksport hentet",
    "publish_questionnaire": "Spørgeskemaversion udgivet",
    "kiosk_idle_timeout": "Tablet lukket efter inaktivitet",
    "kiosk_leave": "Tablet afsluttet med PIN",
    "kiosk_resume": "Tablet genoptaget",
    "kiosk_start": "Tablet startet",
    "register_citizen": "Borger registreret",
    "sign_in": "Log ind",
    "sign_out": "Log ud",
    "view_audit_log": "Revisionslog vist",
    "view_citizen_answers": "Borgers svar vist",
    "view_citizen_list": "Borgerliste vist",
    "view_compare_index": "Oversigt over sammenligninger vist",
    "view_comparison": "Sammenligning vist",
    "view_export_page": "Eksportside vist",
    "view_fieldwork": "Feltarbejde vist",
    "view_open_answers": "Åbne svar vist",
    "view_open_answers_index": "Oversigt over åbne svar vist",
    "view_progression": "Progression vist",
    "view_progression_index": "Oversigt over progression vist",
}
OUTCOME_NAMES = {"ok": "OK", "denied": "Afvist", "failed": "Mislykket"}
WAVE_STATE_NAMES = {"open": "Åben", "closed": "Lukket", "not_yet_open": "Ikke åbnet"}
METHOD_NAMES = {
    "exact": "eksakt",
    "asymptotic": "asymptotisk",
    "fisher_exact": "Fishers eksakte test",
}


def _namer(names: dict[str, str]):
    def name(code: str | None) -> str:
        return names.get(code or "", code or "")

    return name


role_name = _namer(ROLE_NAMES)
action_name = _namer(ACTION_NAMES)
outcome_name = _namer(OUTCOME_NAMES)
wave_state_name = _namer(WAVE_STATE_NAMES)
method_name = _namer(METHOD_NAMES)


def register_labels(app: Flask) -> None:
    """Make the names available as template filters."""
    for name, function in (
        ("role_name", role_name),
        ("action_name", action_name),
        ("outcome_name", outcome_name),
        ("wave_state_name", wave_state_name),
        ("method_name", method_name),
    ):
        app.add_template_filter(function, name)
