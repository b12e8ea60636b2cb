"""Dutch message texts of the demo: citizens' questions and other inbound messages, the municipality's posts
and replies. All texts are invented; only their forms follow what municipal webcare teams see.

Questions and non-questions are kept clearly apart (see ``labels.py``): a non-question never holds a
``?`` and never opens with a request phrase; a question always does one of the two.
"""

from __future__ import annotations

import random

STREETS = (
    "Dorpsstraat", "Kerkstraat", "Schoolstraat", "Molenweg", "Stationsweg", "Julianalaan", "Beatrixstraat",
    "Wilhelminastraat", "Nieuwstraat", "Markt", "Lindelaan", "Eikenlaan", "Parallelweg", "Industrieweg",
    "Sportlaan", "Prins Bernhardlaan", "Raadhuisplein", "Vondellaan", "Brink", "Havenstraat",
)
PLACES = ("het centrum", "de wijk Noord", "de nieuwbouwwijk", "het park", "het station", "de haven",
          "het winkelcentrum", "de Brink", "het sportpark", "de rotonde bij de N-weg")
FIRST_NAMES = (
    "Jan", "Piet", "Kees", "Anna", "Marieke", "Sanne", "Lotte", "Daan", "Bram", "Sophie", "Fleur", "Thijs",
    "Eva", "Ruben", "Lisa", "Femke", "Joost", "Mark", "Ingrid", "Henk", "Wim", "Els", "Noor", "Sem",
    "Tim", "Iris", "Jeroen", "Linda", "Sander", "Esther", "Ahmed", "Fatima", "Mohamed", "Yara", "Kevin",
)
LAST_NAMES = (
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit",
    "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker",
    "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "Kok", "Yilmaz", "El Amrani",
)

#: Question templates: (topic, text). Half end in ``?``; the others open with a request phrase.
QUESTIONS: tuple[tuple[str, str], ...] = (
    ("afval", "Wanneer wordt het grofvuil opgehaald in de {straat}?"),
    ("afval", "Graag weten wanneer de groene container weer geleegd wordt in de {straat}"),
    ("afval", "Hoe laat gaat de milieustraat zaterdag open?"),
    ("afval", "Mag ik snoeiafval gratis naar de milieustraat brengen?"),
    ("afval", "Kunt u laten weten waarom de papiercontainer bij {plek} niet geleegd is"),
    ("openingstijden", "Is het gemeentehuis open op {dag}?"),
    ("openingstijden", "Graag weten of het zwembad in de kerstvakantie open is"),
    ("openingstijden", "Zijn jullie morgen telefonisch bereikbaar?"),
    ("paspoort", "Moet ik een afspraak maken voor een nieuw paspoort?"),
    ("paspoort", "Kunt u mij vertellen hoe lang het duurt voordat mijn rijbewijs klaar is"),
    ("paspoort", "Ik wil graag weten welke stukken ik meeneem voor een ID-kaart"),
    ("wegen", "Kunnen jullie iets doen aan de kapotte lantaarnpaal in de {straat}?"),
    ("wegen", "Wanneer wordt het fietspad bij {plek} weer vrijgegeven?"),
    ("wegen", "Zouden jullie de gladheid op het fietspad bij {plek} willen bestrijden"),
    ("wegen", "Graag een reactie op mijn melding over de losse stoeptegels in de {straat}"),
    ("wegen", "Hoe lang blijft de {straat} nog afgesloten?"),
    ("parkeren", "Waar vraag ik een parkeervergunning aan?"),
    ("parkeren", "Klopt het dat parkeren bij {plek} vanaf volgende maand betaald is?"),
    ("belasting", "Ik wil graag weten hoe ik bezwaar maak tegen mijn WOZ-beschikking"),
    ("belasting", "Wanneer komt de aanslag gemeentelijke belastingen?"),
    ("vergunning", "Heb ik een vergunning nodig voor een dakkapel?"),
    ("vergunning", "Vraag: kan ik de bouwtekeningen van de {straat} ergens inzien"),
    ("evenement", "Gaat de braderie in {plek} door bij regen?"),
    ("evenement", "Graag info over de afsluitingen tijdens het evenement in {plek}"),
    ("zorg", "Bij wie kan ik terecht voor hulp bij het aanvragen van een Wmo-voorziening?"),
    ("zorg", "Kunt u mij doorverbinden met iemand van de schuldhulpverlening"),
    ("verkiezingen", "Waar is het dichtstbijzijnde stembureau bij de {straat}?"),
    ("verkiezingen", "Ik ben mijn stempas kwijt, hoe vraag ik een nieuwe aan?"),
    ("groen", "Wie snoeit de bomen langs de {straat}? Ze hangen over de stoep."),
    ("groen", "Kan de gemeente het hondenpoep-probleem in {plek} aanpakken?"),
)

#: Openings of a question with a request but no question mark (used by ``labels.py``).
REQUEST_OPENINGS: tuple[str, ...] = (
    "graag weten", "graag een reactie", "graag info", "kunt u", "kunnen jullie", "zouden jullie",
    "ik wil graag weten", "vraag:",
)

COMPLAINTS: tuple[str, ...] = (
    "Al drie weken ligt er afval naast de containers in de {straat}. Slecht geregeld.",
    "Wéér geen gft opgehaald in de {straat}. Ik ben het zat.",
    "Drie kwartier in de wacht bij het klantcontactcentrum. Belachelijk.",
    "De lantaarnpalen bij {plek} doen het al weken niet. Onveilig zo.",
    "Zoveel hondenpoep in {plek}, ieder jaar hetzelfde verhaal.",
    "De parkeerdruk in de {straat} is niet meer normaal.",
    "Weer een boete voor een minuut te laat bij de parkeerautomaat. Klantvriendelijk is anders.",
    "Nog steeds gaten in het wegdek van de {straat}. Levensgevaarlijk voor fietsers.",
)
PRAISE: tuple[str, ...] = (
    "Wat een mooie nieuwe speeltuin bij {plek}!",
    "Complimenten voor de snelle aanpak van de gladheid vanochtend.",
    "Top georganiseerd, de braderie in {plek}!",
    "Mooi opgeknapt, de {straat}. Goed gedaan!",
    "Wat een prachtige foto van {plek} op jullie pagina!",
    "Fijn dat de milieustraat nu ook op zaterdag open is.",
)
THANKS: tuple[str, ...] = (
    "Bedankt voor de snelle reactie!",
    "Dank je wel, dat helpt.",
    "Super, dank voor het antwoord.",
    "Top, bedankt!",
    "Dank voor de hulp, het is geregeld.",
)
FOLLOW_UPS: tuple[str, ...] = (
    "Helaas nog steeds niets gehoord.",
    "Ik wacht nog steeds op antwoord.",
    "Nog niets gehoord helaas.",
)
OWN_COMMENTS_BEFORE_RT: tuple[str, ...] = ("Goed initiatief!", "Even delen.", "Belangrijk nieuws.")

ANSWERS: dict[str, tuple[str, ...]] = {
    "afval": ("het grofvuil halen we op afspraak op, u kunt die online maken",
              "de container wordt morgen alsnog geleegd",
              "de milieustraat is zaterdag open van 9.00 tot 16.00 uur"),
    "openingstijden": ("het gemeentehuis is dan open van 9.00 tot 17.00 uur", "we zijn die dag gesloten, "
                       "maandag staan we weer voor u klaar"),
    "paspoort": ("maak online een afspraak, het document is na vijf werkdagen klaar",
                 "neem uw oude document en een pasfoto mee"),
    "wegen": ("we hebben uw melding doorgezet naar de buitendienst", "de werkzaamheden duren nog ongeveer twee weken",
              "we sturen vandaag een strooiwagen"),
    "parkeren": ("een vergunning vraagt u aan via onze website", "dat klopt, vanaf de 1e van de maand"),
    "belasting": ("bezwaar maakt u binnen zes weken via Mijn Gemeente", "de aanslag komt eind februari"),
    "vergunning": ("dat hangt af van de plek, doe de vergunningcheck op onze website",
                   "de tekeningen liggen ter inzage in het gemeentehuis"),
    "evenement": ("het evenement gaat gewoon door", "de afsluitingen staan op onze website"),
    "zorg": ("u kunt bellen met het Wmo-loket via 14 0 + netnummer", "we laten een consulent contact met u opnemen"),
    "verkiezingen": ("alle stembureaus staan op onze website", "een vervangende stempas vraagt u aan bij de balie"),
    "groen": ("we nemen het mee in de volgende snoeironde", "we plaatsen extra afvalbakken"),
}
COMPLAINT_REPLIES: tuple[str, ...] = (
    "Vervelend om te horen. We geven het door aan de afdeling.",
    "Excuses voor het ongemak, we pakken het op.",
)
THANKS_REPLIES: tuple[str, ...] = ("Graag gedaan!", "Fijn dat we konden helpen.", "Dank voor het compliment!")
GREETINGS_BY_HOUR: tuple[tuple[int, str], ...] = ((12, "Goedemorgen"), (18, "Goedemiddag"), (24, "Goedenavond"))

POSTS: dict[str, tuple[str, ...]] = {
    "algemeen": (
        "Vanaf maandag is de {straat} afgesloten vanwege werkzaamheden. Meer info: {url}",
        "Het gemeentehuis is op {dag} gesloten. Voor spoed belt u 14 0 + netnummer.",
        "Vanavond vergadert de gemeenteraad over de begroting. Volg het live via {url}",
        "Nieuw: grofvuil ophalen op afspraak. Maak online een afspraak via {url}",
        "Let op: de gft-container wordt deze week een dag later geleegd.",
        "Weet u al dat u uw paspoort online kunt aanvragen? Kijk op {url}",
        "Vandaag opende de wethouder de vernieuwde speeltuin in {plek}.",
        "Afval & Reiniging: de milieustraat heeft nieuwe openingstijden. {url}",
        "Werkzaamheden aan de {straat} zijn klaar. Dank voor uw geduld!",
    ),
    "crisis": ("Grote brand bij {plek}: houd ramen en deuren gesloten. Volg de berichten hier.",
               "Update: de brand bij {plek} is onder controle. Ramen mogen weer open.",
               "Storm verwacht vanavond. Zet losse spullen vast. Info: {url}"),
    "verkiezingen": ("Op verkiezingsdag zijn de stembureaus open van 7.30 tot 21.00 uur.",
                     "Uw stempas is onderweg. Niet ontvangen? Kijk op {url}",
                     "Weet u al op wie u gaat stemmen? Doe de stemwijzer: {url}"),
    "project": ("Deze week storten we het beton voor de nieuwe brug bij {plek}.",
                "Omleiding vanaf maandag via de {straat}. Kaart: {url}",
                "Kijkje nemen op de bouwplaats? Zaterdag is er open dag."),
    "kcc": ("Wij zijn er voor uw vragen op werkdagen van 8.30 tot 17.00 uur.",
            "Drukte aan de balie? Maak online een afspraak: {url}"),
    "raad": ("Donderdag raadsvergadering over de {straat}. Agenda: {url}",
             "De raad stemde gisteren in met het nieuwe parkeerbeleid.",
             "Inspreken bij de commissie? Meld u aan via {url}"),
    "overig": ("Nieuws uit de gemeente: {url}",),
}
RETWEETED_PARTNERS: tuple[tuple[str, str], ...] = (
    ("politie", "Let op: vanavond extra controles in het centrum."),
    ("brandweer", "Rookmelders redden levens. Test de uwe vandaag."),
    ("knmi", "Code oranje voor zware windstoten."),
    ("rijkswaterstaat", "Werkzaamheden aan de A-weg dit weekend, houd rekening met vertraging."),
)
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "tweede paasdag", "Koningsdag")


def fill(template: str, rng: random.Random, url: str = "") -> str:
    """Fill the placeholders of a template with invented, plausible Dutch details."""
    return template.format(
        straat=rng.choice(STREETS), plek=rng.choice(PLACES), dag=rng.choice(WEEKDAYS), url=url
    )


def question(rng: random.Random, theme: str) -> tuple[str, str]:
    """A citizen's question: (topic, text). Theme channels get questions on their theme more often."""
    if theme == "verkiezingen" and rng.random() < 0.7:
        topic, template = rng.choice([q for q in QUESTIONS if q[0] == "verkiezingen"])
    else:
        topic, template = rng.choice(QUESTIONS)
    return topic, fill(template, rng)


def non_question(rng: random.Random) -> tuple[str, str]:
    """An inbound message that is not a question: (kind, text) with kind complaint, praise or thanks."""
    roll = rng.random()
    if roll < 0.5:
        return "complaint", fill(rng.choice(COMPLAINTS), rng)
    if roll < 0.85:
        return "praise", fill(rng.choice(PRAISE), rng)
    return "thanks", rng.choice(THANKS)


def greeting(local_hour: int) -> str:
    """The greeting a webcare employee uses at that local hour."""
    return next(word for limit, word in GREETINGS_BY_HOUR if local_hour < limit)


def answer(rng: random.Random, topic: str, first_name: str, local_hour: int, signature: str) -> str:
    """A municipality's answer to a question on ``topic``, greeting the citizen and signed."""
    body = rng.choice(ANSWERS.get(topic, ANSWERS["afval"]))
    return f"{greeting(local_hour)} {first_name}, {body}. {signature}"


def post(rng: random.Random, theme: str, url: str) -> str:
    """A post of a municipal channel of that theme."""
    return fill(rng.choice(POSTS.get(theme, POSTS["algemeen"])), rng, url)
