"""Synthetic meeting records for the search benchmark, and the searches residents would type.

Everything comes from one seeded random generator, so the same ``--records`` and seed build the
same records and the same 200 searches. The sizes follow a Town's real record: agenda item
titles of 60 to 120 characters, descriptions and recommendations of a few hundred words,
minutes and extracted document text of several pages (a few thousand words, a long tail of
longer ones). The words are municipal English with some French; frequent words are very
frequent, and a long tail of names (streets, people, places, firms) is rare, as in real text.
"""

from __future__ import annotations

import datetime
import hashlib
import random
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any


def _words(text: str, separator: str | None = None) -> list[str]:
    return [word for word in text.split(separator) if word]


FUNCTION_WORDS = _words(
    "the of and to in a for is on that by with be as at from this will are or an which has have "
    "was been not its all any per each may shall should would such these other into under within "
    "between following including upon than also where there their our it were can must more no "
    "one two three four five first second last new current proposed existing further same both "
    "during before after through over about against without only most some approximately"
)

# Municipal vocabulary, most frequent first (Zipf-weighted when drawn). Multi-word terms stay
# together, so that phrase searches ("bike lanes", "zoning by-law") find them as residents do.
DOMAIN_TERMS = (
    "council staff report committee budget motion recommendation public property development "
    "application by-law zoning plan road works services residents community town permit site "
    "official_plan capital_budget operating_budget water traffic parking housing park parks "
    "amendment approval funding cost costs tax levy reserve fund grant contract tender "
    "construction design study consultant environmental climate infrastructure program "
    "transit bus route sidewalk bike_lanes cycling pedestrian intersection speed safety "
    "Main_Street King_Street Queen_Street Elm_Avenue Maple_Drive Church_Street Water_Street "
    "mayor councillor clerk treasurer engineer planner director manager "
    "meeting hearing notice consultation survey neighbourhood downtown waterfront trail "
    "tree_canopy forestry arena pool library recreation centre daycare seniors youth "
    "accessibility signage lighting streetscape drainage culvert bridge rehabilitation "
    "reconstruction resurfacing asphalt watermain sewer stormwater wastewater hydrant "
    "snow_clearing winter maintenance waste recycling compost collection fire police emergency "
    "heritage designation conservation district affordable_housing rental units dwelling "
    "secondary_suite short-term_rental variance minor_variance severance subdivision "
    "condominium rezoning setback lot frontage storey garage driveway encroachment easement "
    "licence licensing fees rates user_fees assessment growth projections forecast deficit "
    "surplus debt debenture audit financial_statements procurement policy governance "
    "strategic_plan asset_management risk insurance claims legal settlement appeal tribunal "
    "Ontario_Land_Tribunal provincial federal county region regional municipality ward "
    "agreement memorandum partnership lease sale acquisition surplus_land appraisal "
    "noise exemption cannabis retail patio outdoor events festival parade fireworks "
    "speed_cameras traffic_calming crosswalk roundabout signals school_zone active "
    "transportation electric_vehicle charging_stations emissions greenhouse_gas energy "
    "solar retrofit facility facilities renovation expansion tender award contractor "
    "delegation petition correspondence inquiry information update quarterly annual "
    "minutes adoption confirmatory closed_session in_camera personal_matters litigation "
    "shoreline flooding floodplain conservation_authority wetland stormwater_pond erosion "
    "cemetery animal_control dog_park off-leash playground splash_pad skate_park tennis "
    "courts pickleball soccer_fields baseball_diamond washrooms parking_lot transit_terminal "
    "homelessness shelter food_bank mental_health community_safety well-being_plan "
    "broadband internet digital_service customer_service call_centre by-law_enforcement "
    "parking_tickets administrative_penalties development_charges parkland_dedication "
    "cash-in-lieu community_benefits official_plan_amendment draft_plan site_plan_control"
)

FRENCH_TERMS = _words(
    "conseil municipal|règlement|zonage|développement|aménagement du territoire|école|"
    "bibliothèque|société|été|hiver|rénovation|déneigement|piste cyclable|pistes cyclables|"
    "résidents|sécurité|électricité|quartier|rue Principale|étude|présentation|procès-verbal|"
    "séance|délégation|élection|élections partielles|comité consultatif|francophonie|"
    "patrimoine|espaces verts|collecte des déchets|matières résiduelles|évaluation foncière|"
    "taxes foncières|budget d'immobilisations|transport en commun|logement abordable|"
    "santé publique|loisirs|aréna|piscine|centre communautaire|aînés|jeunesse|"
    "environnement|changements climatiques|énergie|sentier|bord de l'eau|stationnement",
    "|",
)

STREET_NAMES = _words(
    "Main King Queen Elm Maple Church Water Bridge Mill Lakeshore Victoria Wellington Dundas "
    "Oak Pine Cedar Birch Willow Ontario Erie Huron Simcoe Brock Colborne Talbot Centre "
    "Concession Station Railway College Park Front George Albert William Charles Mary "
    "Dufferin Bathurst Yonge Bay Harbour Ridge Hill Valley Orchard Sunset Riverside "
    "Champlain Laurier Cartier Montcalm Frontenac Papineau Sainte-Anne Saint-Jean"
)
STREET_KINDS = ("Street", "Avenue", "Road", "Drive", "Crescent", "Boulevard", "Lane", "Court")

FIRST_NAMES = _words(
    "Maria James Aisha Daniel Grace Robert Sofia Terrence Hannah Miguel Priya Walter Chloé "
    "Étienne Amélie François Geneviève Hélène Jérôme Mathilde Olivier Noémie Benoît Zoë "
    "Kwame Mei Arjun Fatima Liam Olivia Noah Emma Lucas Ava Ethan Isabella Mason Sophia "
    "Logan Mia Jacob Charlotte William Amelia Benjamin Harper Elijah Evelyn Alexander Abigail"
)
LAST_NAMES = _words(
    "Delgado Whitfield Okafor Kowalski Liu Hayes Marchetti Brooks Schultz Ortega Raman Jenkins "
    "Tremblay Gagnon Roy Côté Bouchard Gauthier Morin Lavoie Fortin Gagné Ouellet Pelletier "
    "Bélanger Lévesque Bergeron Leblanc Paquette Girard Simard Boucher Caron Beaulieu Cloutier "
    "Smith Brown Wilson MacDonald Campbell Anderson Taylor Thomas Johnson Martin Thompson White "
    "Singh Patel Nguyen Chen Wong Kim Ali Khan Hassan Mensah Osei Novak Horvath Kovac Ivanova"
)

SYLLABLES = _words(
    "ash bel bram bro cal car dal den dor el fal fen gal glen har hol kes kin lan lar "
    "mar mel mor nor oak pem quin ral ren ros sal sed sel tam tor val ver wen wil wyn"
)
PLACE_ENDINGS = ("brook", "field", "ton", "ville", "wood", "ford", "dale", "mere", "stead", "by")
FIRM_ENDINGS = ("Engineering", "Consulting", "Planning Ltd.", "Associates", "Construction Inc.")

BODIES = (
    ("Town Council", "council"),
    ("Committee of the Whole", "committee"),
    ("Planning and Development Committee", "committee"),
    ("Committee of Adjustment", "committee"),
    ("Heritage Advisory Committee", "committee"),
    ("Accessibility Advisory Committee", "committee"),
    ("Public Library Board", "board"),
    ("Police Services Board", "board"),
    ("Transit Commission", "commission"),
    ("Parks and Recreation Committee", "committee"),
    ("Environmental Advisory Committee", "committee"),
    ("Comité consultatif des affaires francophones", "committee"),
    ("Audit and Accountability Committee", "committee"),
    ("Budget Committee", "committee"),
    ("Active Transportation Committee", "committee"),
    ("Downtown Business Improvement Area Board", "board"),
    ("Cemetery Board", "board"),
    ("Housing and Homelessness Task Force", "committee"),
    ("Waterfront Revitalization Commission", "commission"),
    ("Public Works Committee", "committee"),
    ("Fire Services Advisory Committee", "committee"),
    ("Arts and Culture Council", "board"),
    ("Seniors Advisory Committee", "committee"),
    ("Youth Council", "council"),
)

MEETING_KINDS = ("Regular meeting", "Special meeting", "Public meeting", "Budget deliberations")
ITEM_OPENERS = (
    "Staff report",
    "Report of the Director of Planning",
    "Report of the Treasurer",
    "Motion",
    "By-law",
    "Delegation",
    "Correspondence from",
    "Application for",
    "Request for",
    "Presentation on",
    "Information report",
    "Recommendation report",
)
DOCUMENT_KINDS = ("agenda", "minutes", "report", "presentation", "other")
DOCUMENT_LABELS = {
    "agenda": "Agenda",
    "minutes": "Minutes",
    "report": "Staff report",
    "presentation": "Presentation",
    "other": "Background material",
}


ONSETS = _words("b br c ch cl d dr f fl g gr h j k l m n p pl pr qu r s sh sl st t th tr v w")
VOWELS = _words("a e i o u ea ee ai ou io")
CODAS = ("", "", "", "n", "r", "s", "t", "l", "nd", "st", "ng", "m")
SUFFIXES = ("", "", "", "tion", "ment", "ing", "ed", "er", "ly", "al", "ity", "ness", "ive")
VOCABULARY_SIZE = 30_000


def _zipf_cumulative(count: int, exponent: float = 1.0) -> list[float]:
    return list(accumulate(1.0 / (rank**exponent) for rank in range(1, count + 1)))


class Vocabulary:
    """Words drawn as real text draws them: a few very often, a long tail rarely.

    One Zipf distribution over 30,000 words: the function words first, the municipal terms
    spread from rank 20 ("council", in most records) to the tens of thousands ("pickleball",
    in a few hundred), and invented words in between standing for the rest of the language.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        domain = [term.replace("_", " ") for term in DOMAIN_TERMS.split()]
        # French terms take every fifth place among the municipal ones.
        self.domain = []
        french = iter(FRENCH_TERMS)
        for number, term in enumerate(domain):
            self.domain.append(term)
            if number % 4 == 3:
                self.domain.append(next(french, term))
        self.domain = list(dict.fromkeys(self.domain))
        self.domain_weights = _zipf_cumulative(len(self.domain), 0.9)
        self.french = FRENCH_TERMS
        self.streets = [f"{name} {rng.choice(STREET_KINDS)}" for name in STREET_NAMES]
        places = {20 + int(8 * number**1.4): term for number, term in enumerate(self.domain)}
        invented: set[str] = set()
        while len(invented) < VOCABULARY_SIZE:
            syllables = rng.choice((1, 2, 2, 2, 3))
            stem = "".join(
                rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
                for _ in range(syllables)
            )
            invented.add(stem + rng.choice(SUFFIXES))
        others = sorted(invented - set(FUNCTION_WORDS))
        rng.shuffle(others)
        filler = iter(others)
        function = iter(FUNCTION_WORDS)
        self.ranked: list[str] = []
        while len(self.ranked) < VOCABULARY_SIZE:
            rank = len(self.ranked) + 1
            word = places.get(rank) or next(function, None) or next(filler)
            self.ranked.append(word)
        self.ranked_weights = _zipf_cumulative(len(self.ranked), 1.0)
        # The rare tail: invented places, firms and family names, each used a handful of times.
        names: set[str] = set()
        while len(names) < 20_000:
            stem = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3))))
            names.add((stem + rng.choice(PLACE_ENDINGS)).capitalize())
        self.rare = sorted(names)
        rng.shuffle(self.rare)
        self.rare_weights = _zipf_cumulative(len(self.rare), 1.05)
        self.people = [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(3000)]

    def _draw(self, items: list[str], weights: list[float]) -> str:
        return items[bisect_left(weights, self.rng.random() * weights[-1])]

    def domain_term(self) -> str:
        return self._draw(self.domain, self.domain_weights)

    def word(self) -> str:
        return self._draw(self.ranked, self.ranked_weights)

    def rare_word(self) -> str:
        return self._draw(self.rare, self.rare_weights)

    def proper(self) -> str:
        """A name as text mentions them: an address, a person, a firm, a place, a number."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            return f"{rng.randint(1, 2400)} {rng.choice(self.streets)}"
        if roll < 0.5:
            return rng.choice(self.people)
        if roll < 0.6:
            return f"{self.rare_word()} {rng.choice(FIRM_ENDINGS)}"
        if roll < 0.8:
            return self.rare_word()
        prefix = rng.choice(("By-law", "File", "Report"))
        return f"{prefix} {rng.randint(2014, 2025)}-{rng.randint(1, 250):03d}"

    def sentence(self, *, fresh: bool = False) -> str:
        words = [self.word() for _ in range(self.rng.randint(7, 24))]
        if fresh:
            # Names belong to one record: they are what makes a rare search find few hits.
            for _ in range(2):
                words.insert(self.rng.randrange(len(words) + 1), self.proper())
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."


class TextMaker:
    """Paragraphs from a pool of common sentences plus sentences of names unique to each text."""

    def __init__(self, vocabulary: Vocabulary, pool_size: int = 200_000) -> None:
        self.vocabulary = vocabulary
        self.rng = vocabulary.rng
        self.pool = [vocabulary.sentence() for _ in range(pool_size)]

    def words(self, count: int) -> str:
        paragraphs: list[str] = []
        written = 0
        while written < count:
            sentences = self.rng.choices(self.pool, k=self.rng.randint(3, 7))
            fresh = self.vocabulary.sentence(fresh=True)
            sentences.insert(self.rng.randrange(len(sentences) + 1), fresh)
            paragraph = " ".join(sentences)
            written += paragraph.count(" ") + 1
            paragraphs.append(paragraph)
        return "\n\n".join(paragraphs)

    def title(self, low: int, high: int, opener: str = "") -> str:
        """A title of ``low`` to ``high`` characters: what, where, and which file."""
        rng, vocabulary = self.rng, self.vocabulary
        parts = [opener] if opener else []
        parts.append(" ".join(vocabulary.domain_term() for _ in range(rng.randint(2, 4))))
        while True:
            text = " ".join(parts)
            if len(text) >= low:
                break
            roll = rng.random()
            if roll < 0.4:
                parts.append(f"at {vocabulary.proper()}")
            elif roll < 0.6:
                parts.append(f"({rng.choice(vocabulary.french)})")
            elif roll < 0.8:
                parts.append(f"in Ward {rng.randint(1, 12)}")
            else:
                parts.append("and " + vocabulary.domain_term())
        text = text[:high].rsplit(" ", 1)[0] if len(text) > high else text
        return text[0].upper() + text[1:]


@dataclass
class Plan:
    """How many records of each kind make up ``total``."""

    total: int
    bodies: int = 0
    people: int = 0
    meetings: int = 0
    documents: int = 0
    agenda_items: int = 0

    def __post_init__(self) -> None:
        self.bodies = min(len(BODIES), max(4, self.total // 2000))
        self.people = max(12, self.total * 36 // 10_000)
        self.meetings = max(10, self.total * 48 // 1000)
        self.documents = max(10, self.total * 144 // 1000)
        self.agenda_items = self.total - self.bodies - self.people - self.meetings - self.documents


def lognormal_words(rng: random.Random, median: int, sigma: float, low: int, high: int) -> int:
    return int(min(high, max(low, rng.lognormvariate(0, sigma) * median)))


def records_generate(
    *, total: int, seed: int, progress: Callable[[str], None] = print
) -> dict[str, int]:
    """Create ``total`` searchable records with bulk inserts; returns the count of each kind."""
    from django.db import transaction
    from django.utils import timezone

    from backend.records.models import (
        AgendaItem,
        Body,
        Document,
        Meeting,
        Membership,
        Minutes,
        MinutesVersion,
        Person,
    )

    rng = random.Random(seed)
    vocabulary = Vocabulary(rng)
    text = TextMaker(vocabulary)
    plan = Plan(total)
    now = timezone.now()
    zone = timezone.get_current_timezone()
    first_day = datetime.date(2014, 1, 6)
    last_day = datetime.date(2026, 6, 30)
    today = timezone.localdate()

    with transaction.atomic():
        bodies = Body.objects.bulk_create(
            Body(
                name=name,
                slug=f"bench-body-{number}",
                classification=classification,
                description=text.words(rng.randint(40, 150)),
            )
            for number, (name, classification) in enumerate(BODIES[: plan.bodies])
        )
        people = Person.objects.bulk_create(
            Person(
                name=rng.choice(vocabulary.people),
                title=rng.choice(("Councillor", "Councillor", "Citizen member", "Mayor")),
                ward=f"Ward {rng.randint(1, 12)}",
                active=rng.random() < 0.8,
            )
            for _ in range(plan.people)
        )
        Membership.objects.bulk_create(
            Membership(
                person=person,
                body=body,
                role=rng.choice(("member", "member", "member", "chair", "vice_chair")),
                start_date=first_day + datetime.timedelta(days=rng.randint(0, 3000)),
            )
            for person in people
            for body in rng.sample(bodies, rng.randint(1, min(3, len(bodies))))
        )

        span = (last_day - first_day).days
        meetings: list[Meeting] = []
        for _ in range(plan.meetings):
            body = rng.choice(bodies)
            day = first_day + datetime.timedelta(days=rng.randint(0, span))
            starts_at = datetime.datetime.combine(day, datetime.time(rng.choice((9, 13, 18, 19))))
            # Upcoming meetings are often still drafts; a few past ones were never published.
            draft = rng.random() < (0.4 if day > today else 0.03)
            status = "adjourned" if day < today else "scheduled"
            reason = ""
            if rng.random() < 0.03:
                status = rng.choice(("cancelled", "postponed"))
                reason = text.words(rng.randint(15, 40))
            meetings.append(
                Meeting(
                    body=body,
                    title=f"{body.name} \N{EN DASH} {rng.choice(MEETING_KINDS)}",
                    starts_at=starts_at.replace(tzinfo=zone),
                    location=rng.choice(("Council Chambers", "Committee Room 2", "Online"))
                    + f", {rng.randint(1, 500)} {rng.choice(vocabulary.streets)}",
                    status=status,
                    status_reason=reason,
                    published_at=None if draft else now,
                )
            )
        meetings = Meeting.objects.bulk_create(meetings, batch_size=2000)
        with_minutes = [
            meeting
            for meeting in meetings
            if meeting.published_at and meeting.status == "adjourned" and rng.random() < 0.6
        ]
        minutes = Minutes.objects.bulk_create(
            Minutes(
                meeting=meeting,
                status=rng.choice(("adopted", "adopted", "published")),
                published_at=now,
            )
            for meeting in with_minutes
        )
        MinutesVersion.objects.bulk_create(
            (
                MinutesVersion(
                    minutes=item,
                    number=1,
                    text=text.words(lognormal_words(rng, 1500, 0.5, 400, 8000)),
                )
                for item in minutes
            ),
            batch_size=500,
        )
    progress(f"  {len(bodies)} bodies, {len(people)} people, {len(meetings)} meetings")

    # Agenda items, spread over the meetings (more on council agendas), written in batches.
    counts = {"body": len(bodies), "person": len(people), "meeting": len(meetings)}
    item_meetings = rng.choices(meetings, k=plan.agenda_items)
    item_meetings.sort(key=lambda meeting: meeting.pk)
    positions: dict[int, int] = {}
    created_items: list[tuple[int, int, int, bool]] = []  # (item id, meeting id, position, closed)
    for start in range(0, len(item_meetings), 5000):
        batch = []
        for meeting in item_meetings[start : start + 5000]:
            position = positions[meeting.pk] = positions.get(meeting.pk, 0) + 1
            kind = rng.choice(("report", "report", "motion", "bylaw", "delegation", "other"))
            batch.append(
                AgendaItem(
                    meeting=meeting,
                    position=position,
                    number=f"{position // 5 + 1}.{position % 5 + 1}",
                    title=text.title(60, 120, rng.choice(ITEM_OPENERS)),
                    description=text.words(lognormal_words(rng, 220, 0.5, 60, 900)),
                    recommendation="THAT " + text.words(lognormal_words(rng, 90, 0.5, 20, 400)),
                    outcome=rng.choice(("", "Carried.", "Carried as amended.", "Defeated.")),
                    kind=kind,
                    is_closed_session=rng.random() < 0.03,
                )
            )
        with transaction.atomic():
            batch = AgendaItem.objects.bulk_create(batch)
        created_items += [
            (item.pk, item.meeting_id, item.position, item.is_closed_session) for item in batch
        ]
    counts["agenda_item"] = len(created_items)
    progress(f"  {len(created_items)} agenda items")

    # Documents: most belong to an agenda item (reports, presentations), some to the meeting.
    written = 0
    while written < plan.documents:
        batch = []
        for _ in range(min(1000, plan.documents - written)):
            item_id, meeting_id, _, _ = rng.choice(created_items)
            kind = rng.choice(DOCUMENT_KINDS)
            own_item = kind in ("report", "presentation", "other") and rng.random() < 0.85
            roll = rng.random()
            status = "extracted" if roll < 0.95 else ("no_text" if roll < 0.98 else "pending")
            words = lognormal_words(rng, 2200, 0.7, 500, 30_000)
            body = text.words(words) if status == "extracted" else ""
            digest = hashlib.sha256(f"{seed}-{written}-{len(batch)}".encode()).hexdigest()
            batch.append(
                Document(
                    meeting_id=meeting_id,
                    agenda_item_id=item_id if own_item else None,
                    title=f"{DOCUMENT_LABELS[kind]} \N{EN DASH} " + text.title(25, 100),
                    kind=kind,
                    file=f"records/documents/{digest[:2]}/{digest}.pdf",
                    original_filename=f"{digest[:12]}.pdf",
                    size=len(body) * 3 + 20_000,
                    sha256=digest,
                    page_count=max(1, words // 450),
                    text=body,
                    text_status=status,
                )
            )
        with transaction.atomic():
            Document.objects.bulk_create(batch)
        written += len(batch)
    counts["document"] = written
    progress(f"  {written} documents")
    return counts


@dataclass(frozen=True)
class Search:
    """One search as a client sends it; ``second_page`` continues after the first page."""

    label: str
    query: str
    filter: dict[str, Any] | None = None
    second_page: bool = False

    def variables(self, page_size: int, after: str | None = None) -> dict[str, Any]:
        values: dict[str, Any] = {"query": self.query, "first": page_size}
        if self.filter:
            values["filter"] = self.filter
        if after:
            values["after"] = after
        return values


# In most records ("council"), in many ("budget", "zoning"), in some ("parking", "heritage").
COMMON_WORDS = _words("council report budget staff committee motion zoning development property")
TOPIC_WORDS = _words(
    "housing traffic parking water transit heritage tax permit library snow road funding "
    "construction park cycling drainage arena"
)
PHRASES = _words(
    "bike lanes|Main Street|official plan|capital budget|affordable housing|site plan|"
    "minor variance|traffic calming|speed cameras|development charges|snow clearing|"
    "short-term rental|closed session|asset management|King Street|tree canopy|"
    "pistes cyclables|conseil municipal|transport en commun|greenhouse gas",
    "|",
)
PREFIXES = _words(
    "bud zon hous constr infra herit transp develop recr environ amend lib stor condo"
)
FRENCH_WORDS = _words("élection règlement aménagement déneigement sécurité électricité école")


def searches_make(*, count: int, seed: int, body_ids: list[int]) -> list[Search]:
    """``count`` searches mixing the kinds residents type, a third of them filtered."""
    rng = random.Random(seed + 1)
    vocabulary = Vocabulary(random.Random(seed))
    # The tail of the rare names: each was written into a handful of records at most.
    rare = vocabulary.rare[2000:]
    searches: list[Search] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.15:
            label, query = "common word", rng.choice(COMMON_WORDS)
        elif roll < 0.30:
            label, query = "topic word", rng.choice(TOPIC_WORDS)
        elif roll < 0.42:
            label, query = "rare word", rng.choice(rare).lower()
        elif roll < 0.60:
            label = "two words"
            first = rng.choice(COMMON_WORDS + TOPIC_WORDS)
            second = rng.choice(TOPIC_WORDS) if rng.random() < 0.7 else rng.choice(rare)
            query = f"{first} {second}" if first != second else first
        elif roll < 0.75:
            label, query = "quoted phrase", f'"{rng.choice(PHRASES)}"'
        elif roll < 0.90:
            label, query = "prefix", rng.choice(PREFIXES) + "*"
        else:
            label, query = "accented word", rng.choice(FRENCH_WORDS)
        filter_: dict[str, Any] | None = None
        roll = rng.random()
        if roll < 0.12:
            kinds = ["meeting", "agenda_item", "document"]
            filter_ = {"kinds": rng.sample(kinds, rng.randint(1, 2))}
        elif roll < 0.22 and body_ids:
            filter_ = {"bodies": [str(body) for body in rng.sample(body_ids, rng.randint(1, 2))]}
        elif roll < 0.34:
            year = rng.randint(2014, 2025)
            filter_ = {"dateFrom": f"{year}-01-01", "dateTo": f"{year + rng.randint(0, 2)}-12-31"}
        searches.append(
            Search(label=label, query=query, filter=filter_, second_page=rng.random() < 0.2)
        )
    return searches


def kinds_of_records(counts: dict[str, int]) -> Iterator[str]:
    names = {
        "body": "bodies",
        "person": "people",
        "meeting": "meetings",
        "agenda_item": "agenda items",
        "document": "documents",
    }
    for kind, name in names.items():
        yield f"{counts.get(kind, 0)} {name}"
