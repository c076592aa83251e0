"""The reports' words in Finnish (default), Swedish and English (app.core.i18n); their numbers
and dates are app.core.formatting's."""

from typing import Any

from app.core.i18n import LANGUAGES, Messages, translate

__all__ = ["LANGUAGES", "MESSAGES", "t"]

MESSAGES: Messages = {
    # Documents and their parts
    "follow_up_report": ("Seurantaraportti", "Uppföljningsrapport", "Follow-up report"),
    "service_agreement": ("Palvelusopimus", "Serviceavtal", "Service agreement"),
    "municipality": ("Kunta", "Kommun", "Municipality"),
    "board": ("Lautakunta", "Nämnd", "Board"),
    "period": ("Raportointikausi", "Rapporteringsperiod", "Reporting period"),
    "prepared": ("Laadittu", "Upprättad", "Prepared"),
    "contents": ("Sisällys", "Innehåll", "Contents"),
    "summary": ("Yhteenveto", "Sammanfattning", "Summary"),
    "page": ("Sivu", "Sida", "Page"),
    "data_attachment": ("Raportin tiedot JSON-muodossa", "Rapportens uppgifter i JSON-format",
                        "The report's data as JSON"),
    "keywords": ("sopimusohjaus, seuranta, palvelusopimus", "avtalsstyrning, uppföljning, serviceavtal",
                 "contract steering, follow-up, service agreement"),
    # Statuses
    "on_track": ("Tavoitteessa", "Enligt målet", "On track"),
    "at_risk": ("Riskissä", "I riskzonen", "At risk"),
    "off_track": ("Jäljessä tavoitteesta", "Efter målet", "Off track"),
    "no_value": ("Ei arvoa", "Inget värde", "No value"),
    "no_target": ("Ei tavoitetta", "Inget mål", "No target"),
    # Summary
    "measures_by_status": ("Mittarit tilan mukaan", "Mätare enligt status", "Measures by status"),
    "status": ("Tila", "Status", "Status"),
    "count": ("Lukumäärä", "Antal", "Number"),
    "share": ("Osuus", "Andel", "Share"),
    "all_measures": ("Kaikki mittarit", "Alla mätare", "All measures"),
    "status_chart_alt": ("Mittarit tilan mukaan: {parts}.", "Mätare enligt status: {parts}.",
                         "Measures by status: {parts}."),
    "budget_deviation": ("Tilausbudjetin poikkeama", "Beställningsbudgetens avvikelse",
                         "Order budget deviation"),
    "budget_sentence": (
        "Tilattu {ordered}. Toteutunut {until} mennessä {delivered} ({realised}). "
        "Vuoden ennuste {forecast}: poikkeama {deviation} ({deviation_pct}).",
        "Beställt {ordered}. Utfall till och med {until} {delivered} ({realised}). "
        "Prognos för året {forecast}: avvikelse {deviation} ({deviation_pct}).",
        "Ordered {ordered}. Delivered by {until} {delivered} ({realised}). "
        "Year-end forecast {forecast}: deviation {deviation} ({deviation_pct}).",
    ),
    "budget_not_reported": (
        "Tilattu {ordered}. Toteumia ei ole vielä raportoitu.",
        "Beställt {ordered}. Inget utfall har ännu rapporterats.",
        "Ordered {ordered}. No deliveries have been reported yet.",
    ),
    "changes_since": ("Muutokset edellisestä raportista ({period})",
                      "Förändringar sedan föregående rapport ({period})",
                      "Changes since the previous report ({period})"),
    "no_changes": ("Yhdenkään mittarin tila ei ole muuttunut.",
                   "Ingen mätares status har förändrats.",
                   "No measure has changed its status."),
    "new_values": ("Uusia arvoja raportoitu: {count}.", "Nya värden rapporterade: {count}.",
                   "New values reported: {count}."),
    "before": ("Aiemmin", "Tidigare", "Before"),
    "more_changes": ("… ja {count} muuta mittaria (kaikki muutokset ovat liitetiedostossa).",
                     "… och {count} andra mätare (alla förändringar finns i den bifogade filen).",
                     "… and {count} more measures (every change is in the attached data)."),
    "now": ("Nyt", "Nu", "Now"),
    "method": (
        "Mittarin tilaa verrataan vuoden tavoitteeseen. Tavoitteessa: arvo on tavoitteen "
        "oikealla puolella. Riskissä: arvo jää tavoitteesta enintään mittarin toleranssin "
        "verran. Jäljessä tavoitteesta: arvo jää tavoitteesta enemmän. Kertyvistä (summana "
        "laskettavista) mittareista verrataan vuoden ennustetta.",
        "Mätarens status jämförs med årets mål. Enligt målet: värdet ligger på rätt sida om "
        "målet. I riskzonen: värdet avviker från målet med högst mätarens tolerans. Efter "
        "målet: värdet avviker mer. För mätare som summeras jämförs prognosen för året.",
        "A measure's status compares it with the year's target. On track: the value is on the "
        "right side of the target. At risk: it misses the target by at most the measure's "
        "tolerance. Off track: it misses by more. Measures that add up over the year are "
        "compared as their year-end forecast.",
    ),
    # Goals and measures
    "perspective": ("Näkökulma", "Perspektiv", "Perspective"),
    "goal": ("Tavoite", "Mål", "Goal"),
    "goals": ("Tavoitteet", "Mål", "Goals"),
    "other_goals": ("Muut tavoitteet", "Övriga mål", "Other goals"),
    "long_term_goal": ("Pitkän aikavälin tavoite", "Långsiktigt mål", "Long-term goal"),
    "provider": ("Tuottaja", "Producent", "Provider"),
    "no_measures": ("Tavoitteelle ei ole asetettu mittareita.", "Målet har inga mätare.",
                    "The goal has no measures."),
    "measure": ("Mittari", "Mätare", "Measure"),
    "measures": ("Mittarit", "Mätare", "Measures"),
    "target_year": ("Tavoite {year}", "Mål {year}", "Target {year}"),
    "actual": ("Toteuma", "Utfall", "Actual"),
    "trend": ("Kehitys", "Utveckling", "Trend"),
    "baseline": ("Lähtötaso", "Utgångsnivå", "Baseline"),
    "target": ("Tavoite", "Mål", "Target"),
    "forecast": ("Ennuste", "Prognos", "Forecast"),
    "tolerance": ("Toleranssi", "Tolerans", "Tolerance"),
    "comments": ("Tuottajan kommentit", "Producentens kommentarer", "Provider's comments"),
    "direction": ("Suunta", "Riktning", "Direction"),
    "higher_is_better": ("suurempi on parempi", "högre är bättre", "higher is better"),
    "lower_is_better": ("pienempi on parempi", "lägre är bättre", "lower is better"),
    "frequency": ("Raportointi", "Rapportering", "Reporting"),
    "month": ("kuukausittain", "månadsvis", "monthly"),
    "quarter": ("neljännesvuosittain", "kvartalsvis", "quarterly"),
    "tertial": ("tertiaaleittain", "per tertial", "by tertial"),
    "year": ("vuosittain", "årligen", "yearly"),
    "chart_alt": ("Mittarin {name} kehitys. {points}", "Utvecklingen av mätaren {name}. {points}",
                  "Trend of the measure {name}. {points}"),
    "chart_baseline": ("Lähtötaso {year}: {value}.", "Utgångsnivå {year}: {value}.",
                       "Baseline {year}: {value}."),
    "chart_target": ("Tavoite {year}: {value}.", "Mål {year}: {value}.", "Target {year}: {value}."),
    "chart_actual": ("Toteuma {year}: {value}.", "Utfall {year}: {value}.",
                     "Actual {year}: {value}."),
    "chart_actual_partial": ("Toteuma {year} ({until} asti): {value}.",
                             "Utfall {year} (till {until}): {value}.",
                             "Actual {year} (to {until}): {value}."),
    "chart_legend": ("Kehityskaavio: sininen viiva toteuma (ontto merkki: vuosi kesken), "
                     "katkoviiva tavoite, harmaa neliö lähtötaso.",
                     "Utvecklingsdiagram: blå linje utfall (ihålig markör: året pågår), "
                     "streckad linje mål, grå kvadrat utgångsnivå.",
                     "Trend chart: blue line actual (hollow marker: year in progress), "
                     "dashed line target, grey square baseline."),
    # Budget
    "budget_realisation": ("Tilausbudjetin toteuma", "Beställningsbudgetens utfall",
                           "Order budget realisation"),
    "budget_by_provider": ("Tuottajittain", "Per producent", "By provider"),
    "product": ("Tuote", "Produkt", "Product"),
    "unit": ("Yksikkö", "Enhet", "Unit"),
    "ordered_volume": ("Tilattu määrä", "Beställd volym", "Ordered volume"),
    "ordered_euros": ("Tilattu", "Beställt", "Ordered"),
    "delivered_volume": ("Toteutunut määrä", "Levererad volym", "Delivered volume"),
    "delivered_euros": ("Toteutunut", "Levererat", "Delivered"),
    "realised_pct": ("Toteuma-%", "Utfall %", "Realised %"),
    "forecast_euros": ("Ennuste", "Prognos", "Forecast"),
    "deviation_euros": ("Poikkeama", "Avvikelse", "Deviation"),
    "deviation_pct": ("Poikkeama-%", "Avvikelse %", "Deviation %"),
    "total": ("Yhteensä", "Totalt", "Total"),
    "not_reported": ("ei raportoitu", "inte rapporterat", "not reported"),
    "forecast_note": (
        "Ennuste on laskettu lineaarisesti vuoden raportoiduista kausista. Rivit, joilta "
        "toteumaa ei ole raportoitu, on ennusteessa tilatun suuruisia. Summat euroina.",
        "Prognosen är linjär utgående från årets rapporterade perioder. Rader utan "
        "rapporterat utfall ingår i prognosen med det beställda beloppet. Belopp i euro.",
        "The forecast extrapolates the periods reported this year linearly. Lines without "
        "reported deliveries are forecast at their ordered amount. Amounts in euros.",
    ),
    "no_budget": ("Lautakunnalla ei ole tilausbudjettia vuodelle {year}.",
                  "Nämnden har ingen beställningsbudget för {year}.",
                  "The board has no order budget for {year}."),
    # Measures without a value
    "no_value_title": ("Mittarit ilman arvoa", "Mätare utan värde", "Measures without a value"),
    "no_value_intro": ("Näille mittareille ei ole raportoitu arvoa kaudelta {period}.",
                       "För dessa mätare har inget värde rapporterats för perioden {period}.",
                       "No value has been reported for these measures for {period}."),
    "no_value_none": ("Kaikille mittareille on raportoitu arvo.",
                      "Alla mätare har ett rapporterat värde.",
                      "Every measure has a reported value."),
    # The service agreement document
    "version": ("Versio", "Version", "Version"),
    "agreement_status": ("Sopimuksen tila", "Avtalets status", "Status of the agreement"),
    "draft": ("Luonnos", "Utkast", "Draft"),
    "negotiation": ("Neuvottelussa", "Under förhandling", "In negotiation"),
    "approved": ("Hyväksytty", "Godkänt", "Approved"),
    "in_force": ("Voimassa", "I kraft", "In force"),
    "closed": ("Päättynyt", "Avslutat", "Closed"),
    "parties": ("Sopijapuolet", "Avtalsparter", "Parties"),
    "purchaser": ("Tilaaja", "Beställare", "Purchaser"),
    "business_id": ("Y-tunnus", "FO-nummer", "Business ID"),
    "term": ("Sopimuskausi", "Avtalsperiod", "Term"),
    "framework_agreement": ("Puitesopimus", "Ramavtal", "Framework agreement"),
    "decision": ("Lautakunnan päätös", "Nämndens beslut", "Board decision"),
    "decision_text": ("{body} {date} § {article}", "{body} {date} § {article}",
                      "{body} {date} § {article}"),
    "no_decision": ("Päätöstä ei ole kirjattu.", "Inget beslut har registrerats.",
                    "No decision has been recorded."),
    "description": ("Kuvaus", "Beskrivning", "Description"),
    "ordered_services": ("Tilatut palvelut", "Beställda tjänster", "Ordered services"),
    "volume": ("Määrä", "Volym", "Volume"),
    "unit_price": ("Yksikköhinta", "Enhetspris", "Unit price"),
    "amount": ("Yhteensä", "Totalt", "Amount"),
    "no_lines": ("Sopimukseen ei sisälly tilausrivejä.", "Avtalet har inga beställningsrader.",
                 "The agreement has no order lines."),
    "actions": ("Toimenpiteet ja vastuutaho", "Åtgärder och ansvarig", "Actions and responsible party"),
    "resources": ("Resurssit", "Resurser", "Resources"),
    "existing": ("Olemassa oleva resurssi", "Befintlig resurs", "Existing resource"),
    "transfer": ("Resurssin siirto", "Överföring av resurs", "Transfer of resource"),
    "additional": ("Lisäresurssi", "Tilläggsresurs", "Additional resource"),
    "investment": ("Investointi", "Investering", "Investment"),
    "bequest_funds": ("Testamenttivarat", "Testamentsmedel", "Bequest funds"),
    "targets": ("Tavoitetasot", "Målnivåer", "Targets"),
    "calendar": ("Raportointikalenteri", "Rapporteringskalender", "Reporting calendar"),
    "time_span": ("Ajanjakso", "Tidsperiod", "Time span"),
    "measures_reported": ("Raportoitavat mittarit", "Mätare som rapporteras", "Measures reported"),
    "no_calendar": ("Sopimuksessa ei ole raportoitavia mittareita.",
                    "Avtalet har inga mätare att rapportera.",
                    "The agreement has no measures to report."),
    "signatures": ("Allekirjoitukset", "Underskrifter", "Signatures"),
    "place_date": ("Paikka ja päiväys", "Ort och datum", "Place and date"),
    "for_purchaser": ("Tilaajan puolesta", "För beställaren", "For the purchaser"),
    "for_provider": ("Tuottajan puolesta", "För producenten", "For the provider"),
    "name_position": ("Nimenselvennys ja asema", "Namnförtydligande och befattning",
                      "Name and position"),
    "own_production_unit": ("oma tuotantoyksikkö", "egen produktionsenhet", "own production unit"),
    "municipal_enterprise": ("liikelaitos", "affärsverk", "municipal enterprise"),
    "in_house_company": ("sidosyksikköyhtiö", "anknuten enhet", "in-house company"),
    "joint_municipal_authority": ("kuntayhtymä", "samkommun", "joint municipal authority"),
    "company": ("yritys", "företag", "company"),
    "foundation": ("säätiö", "stiftelse", "foundation"),
    "association": ("yhdistys", "förening", "association"),
}


def t(key: str, lang: str, **values: Any) -> str:
    return translate(MESSAGES, key, lang, **values)
