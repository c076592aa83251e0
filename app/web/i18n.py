"""The web pages' words in Finnish (default), Swedish and English: one tuple per message, so a
missing translation cannot pass unnoticed."""

LANGUAGES = ("fi", "sv", "en")

MESSAGES: dict[str, tuple[str, str, str]] = {
    "app_name": ("Sopimus", "Sopimus", "Sopimus"),
    "tagline": ("Tilaajan ja tuottajan sopimusohjaus", "Avtalsstyrning mellan beställare och "
                "producent", "Purchaser–provider contract steering"),
    "skip": ("Siirry sisältöön", "Hoppa till innehållet", "Skip to content"),
    "login": ("Kirjaudu sisään", "Logga in", "Log in"),
    "logout": ("Kirjaudu ulos", "Logga ut", "Log out"),
    "username": ("Käyttäjätunnus", "Användarnamn", "Username"),
    "password": ("Salasana", "Lösenord", "Password"),
    "totp": ("Kertakäyttökoodi (jos käytössä)", "Engångskod (om i bruk)",
             "One-time code (if set up)"),
    "login_failed": ("Väärä käyttäjätunnus tai salasana.", "Fel användarnamn eller lösenord.",
                     "Wrong username or password."),
    "language": ("Kieli", "Språk", "Language"),
    "home": ("Etusivu", "Startsida", "Home"),
    "public_agreements": ("Hyväksytyt sopimukset", "Godkända avtal", "Approved agreements"),
    "agreements": ("Sopimukset", "Avtal", "Agreements"),
    "agreement": ("Sopimus", "Avtal", "Agreement"),
    "municipality": ("Kunta", "Kommun", "Municipality"),
    "board": ("Lautakunta", "Nämnd", "Board"),
    "year": ("Vuosi", "År", "Year"),
    "provider": ("Tuottaja", "Producent", "Provider"),
    "state": ("Tila", "Status", "State"),
    "show": ("Näytä", "Visa", "Show"),
    "goals": ("Tavoitteet", "Mål", "Goals"),
    "measures": ("Mittarit", "Mätare", "Measures"),
    "measure": ("Mittari", "Mätare", "Measure"),
    "unit": ("Yksikkö", "Enhet", "Unit"),
    "baseline": ("Lähtötaso", "Utgångsnivå", "Baseline"),
    "target": ("Tavoite", "Mål", "Target"),
    "actions": ("Toimenpiteet", "Åtgärder", "Actions"),
    "none_found": ("Ei tuloksia.", "Inga resultat.", "Nothing found."),
    "not_found": ("Sivua ei löydy.", "Sidan finns inte.", "Page not found."),
    "forbidden": ("Sinulla ei ole oikeutta tähän.", "Du har inte behörighet till detta.",
                  "You are not allowed to do this."),
    "csrf_failed": ("Lomake on vanhentunut. Lataa sivu uudelleen ja yritä uudestaan.",
                    "Formuläret har gått ut. Ladda om sidan och försök igen.",
                    "The form has expired. Reload the page and try again."),
    "role_admin": ("Pääkäyttäjä", "Huvudanvändare", "Administrator"),
    "role_purchaser_director": ("Tilaajajohtaja", "Beställardirektör", "Purchaser director"),
    "role_purchaser_manager": ("Tilaajapäällikkö", "Beställarchef", "Purchaser manager"),
    "role_provider_reporter": ("Tuottajan raportoija", "Producentens rapportör",
                               "Provider reporter"),
    "role_board_member": ("Lautakunnan jäsen", "Nämndledamot", "Board member"),
    "status_draft": ("Luonnos", "Utkast", "Draft"),
    "status_negotiation": ("Neuvottelussa", "Under förhandling", "In negotiation"),
    "status_approved": ("Hyväksytty", "Godkänt", "Approved"),
    "status_in_force": ("Voimassa", "I kraft", "In force"),
    "status_closed": ("Päättynyt", "Avslutat", "Closed"),
    "status_superseded": ("Korvattu", "Ersatt", "Superseded"),
    "welcome": ("Tervetuloa", "Välkommen", "Welcome"),
    "public_intro": (
        "Hyväksytyt palvelusopimukset ovat julkisia asiakirjoja.",
        "Godkända serviceavtal är offentliga handlingar.",
        "Approved service agreements are public records."),
    # Issued reports (app/web/reports_pages.py)
    "reports": ("Raportit", "Rapporter", "Reports"),
    "issued_reports": ("Julkaistut raportit", "Utgivna rapporter", "Issued reports"),
    "reports_intro": ("Lautakunnille julkaistut seurantaraportit ja palvelusopimukset "
                      "arkistokelpoisina PDF-tiedostoina (PDF/A-3a).",
                      "Uppföljningsrapporter och serviceavtal som utgetts till nämnderna, som "
                      "arkivdugliga PDF-filer (PDF/A-3a).",
                      "Follow-up reports and service agreements issued to the boards, as "
                      "archival PDF files (PDF/A-3a)."),
    "report": ("Raportti", "Rapport", "Report"),
    "issued_at": ("Julkaistu", "Utgiven", "Issued"),
    "pages": ("Sivuja", "Sidor", "Pages"),
    "download_pdf": ("Lataa PDF", "Ladda ner PDF", "Download PDF"),
    "checksum": ("SHA-256-tarkiste", "SHA-256-kontrollsumma", "SHA-256 checksum"),
    "issue_report": ("Julkaise seurantaraportti", "Ge ut en uppföljningsrapport",
                     "Issue a follow-up report"),
    "period_code": ("Raportointikausi (esim. 2015-T2)", "Rapporteringsperiod (t.ex. 2015-T2)",
                    "Reporting period (e.g. 2015-T2)"),
    "report_language": ("Raportin kieli", "Rapportens språk", "Language of the report"),
    "issue": ("Julkaise", "Ge ut", "Issue"),
    "report_issued": ("Raportti julkaistiin.", "Rapporten har getts ut.", "The report was issued."),
    "lang_fi": ("suomi", "finska", "Finnish"),
    "lang_sv": ("ruotsi", "svenska", "Swedish"),
    "lang_en": ("englanti", "engelska", "English"),
}


def t(key: str, lang: str = "fi") -> str:
    index = LANGUAGES.index(lang) if lang in LANGUAGES else 0
    return MESSAGES[key][index]
