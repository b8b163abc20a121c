"""Names news Arabic uses for the same thing.

A reporter writes «سيد الكرملين» for Putin, «بيونغ يانغ» for North Korea,
«محكمة لاهاي» for the International Criminal Court, «المصارف» for «البنوك».
A question phrased one way and an article phrased the other share no words,
so BM25 misses the passage and the answer check counts the subject as absent:
on the eval set's paraphrase questions (eval/README.md) the right sentence was
retrieved but refused as "not close enough".

Each group below lists interchangeable names: a capital or a seat of power
and its state, an institution and its nicknames, a person and his title,
and a few plain synonyms of news vocabulary.  They are general knowledge, not
facts of the bundled articles; add to them freely.  Matching is on analysed
terms (index.lexical.analyze), so clitics and spelling variants are covered.

Two uses, both additive:
- retrieval: the other names of a group the question mentions are added to
  the lexical query (``expand``);
- relevance: a sentence that names the thing another way counts as naming it
  (``Alternatives.augment``); the question's own terms keep their weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from index.lexical import analyze

GROUPS: tuple[tuple[str, ...], ...] = (
    # states, their capitals and seats of power (with their English names: an
    # English question shares no words with Arabic articles but these)
    ("روسيا", "موسكو", "الكرملين", "Russia", "Russian", "Moscow", "Kremlin"),
    ("الولايات المتحدة", "واشنطن", "أمريكا", "البيت الأبيض", "United States", "US", "USA", "Washington", "America",
     "American", "White House"),
    ("الصين", "بكين", "China", "Chinese", "Beijing"),
    ("كوريا الشمالية", "بيونغ يانغ", "بيونغيانغ", "North Korea", "North Korean", "Pyongyang"),
    ("كوريا الجنوبية", "سيول", "South Korea", "Seoul"),
    ("أوكرانيا", "كييف", "Ukraine", "Ukrainian", "Kyiv", "Kiev"),
    ("قرغيزستان", "قيرغيزستان", "بشكيك", "بيشكيك", "Kyrgyzstan", "Kyrgyz", "Bishkek"),
    ("أذربيجان", "باكو", "Azerbaijan", "Baku"),
    ("أرمينيا", "يريفان", "Armenia", "Armenian", "Yerevan"),
    ("بيلاروسيا", "روسيا البيضاء", "مينسك", "Belarus", "Minsk"),
    ("كازاخستان", "أستانا", "Kazakhstan", "Astana"),
    ("إيران", "طهران", "Iran", "Tehran"),
    ("تركيا", "أنقرة", "Turkey", "Ankara"),
    ("الهند", "نيودلهي", "India", "Indian", "Delhi"),
    ("جنوب أفريقيا", "جنوب إفريقيا", "بريتوريا", "South Africa", "Pretoria"),
    ("السعودية", "الرياض", "Saudi", "Riyadh"),
    ("الإمارات", "أبوظبي", "Emirates", "UAE", "Dhabi"),
    ("مصر", "القاهرة", "Egypt", "Cairo"),
    ("سوريا", "دمشق", "Syria", "Damascus"),
    ("العراق", "بغداد", "Iraq", "Baghdad"),
    ("إسرائيل", "تل أبيب", "Israel"),
    ("بريطانيا", "لندن", "المملكة المتحدة", "Britain", "British", "London"),
    ("فرنسا", "باريس", "France", "Paris"),
    ("ألمانيا", "برلين", "Germany", "Berlin"),
    ("اليابان", "طوكيو", "Japan", "Tokyo"),
    ("الاتحاد الأوروبي", "بروكسل", "European Union", "Brussels"),
    ("منغوليا", "أولان باتور", "Mongolia"),
    ("البرازيل", "Brazil"),
    # institutions and their nicknames
    ("المحكمة الجنائية الدولية", "الجنائية الدولية", "محكمة لاهاي", "International Criminal Court", "ICC", "Hague"),
    ("نظام روما", "Rome Statute"),
    ("وزارة الدفاع الأمريكية", "البنتاغون", "البنتاجون", "Pentagon"),
    ("الأمم المتحدة", "المنظمة الدولية", "أممية", "United Nations"),
    ("مجلس الأمن", "Security Council"),
    ("البنك المركزي", "المصرف المركزي", "السلطة النقدية", "central bank"),
    ("البنوك", "المصارف", "banks"),
    ("بريكس", "الاقتصادات الناشئة", "BRICS"),
    ("رابطة الدول المستقلة", "جمهوريات سوفياتية سابقة", "الاتحاد السوفييتي السابق",
     "Commonwealth of Independent States", "CIS"),
    ("مجموعة العشرين", "G20"),
    ("حلف شمال الأطلسي", "الناتو", "NATO"),
)

# People and their titles (names of an agent: rag/roles.py).
PEOPLE: tuple[tuple[str, ...], ...] = (
    ("بوتين", "سيد الكرملين", "الرئيس الروسي", "Putin"),
    ("شي جين بينغ", "شي جين بينج", "الرئيس الصيني", "Xi Jinping", "Xi"),
    ("كيم جونغ أون", "كيم جونج أون", "الزعيم الكوري الشمالي", "Kim Jong Un"),
    ("زيلينسكي", "الرئيس الأوكراني", "Zelensky"),
    ("لافروف", "وزير الخارجية الروسي", "Lavrov"),
    ("علييف", "الرئيس الأذربيجاني", "Aliyev"),
    ("مودي", "رئيس وزراء الهند", "Modi"),
    ("أردوغان", "الرئيس التركي", "Erdogan"),
    ("بايدن", "الرئيس الأمريكي", "Biden"),
    ("باشينيان", "رئيس الوزراء الأرميني", "رئيس وزراء أرمينيا", "Pashinyan"),
    ("لوكاشينكو", "الرئيس البيلاروسي", "Lukashenko"),
    ("توكاييف", "رئيس كازاخستان", "Tokayev"),
)
GROUPS += PEOPLE
_N_ENTITIES = len(GROUPS)  # the groups above name states, places, institutions and people

GROUPS += (
    # news vocabulary
    ("قمة", "لقاء زعماء", "اجتماع القادة", "اجتماع", "مؤتمر", "summit"),
    ("التقى", "يلتقي", "التقيا", "لقاء", "اجتماع", "محادثات", "meet", "met", "meeting", "talks"),
    ("اتفاق", "اتفاقية", "معاهدة", "agreement", "treaty", "deal"),
    ("أقر", "صادق", "وافق", "approved", "ratified"),
    ("زعيم", "رئيس", "قائد", "leader", "president"),
    ("زيارة", "رحلة", "سافر", "زار", "يزور", "سيزور", "visit", "visited", "visits", "trip", "travel", "travelled",
     "traveled"),
    ("عقدت", "عقد", "تعقد", "استضافت", "استضاف", "أقيمت", "held", "hosted"),
    ("بلد", "دولة", "country", "countries"),
    ("سماء", "جوي", "air"),
    ("قاعدة جوية", "air base"),
    ("اعتقال", "توقيف", "arrest"),
    ("مذكرة", "warrant"),
    ("غزو", "حرب", "هجوم عسكري", "invasion", "invaded", "war"),
    ("مسيرة", "مسيرات", "درون", "drones"),
    ("صواريخ", "missiles"),
    ("عقوبات", "sanctions", "sanction", "sanctioned"),
    ("استثمار", "مستثمر", "رؤوس الأموال", "investment", "investor"),
    ("تجارة", "تبادل تجاري", "trade"),
    ("آسيا الوسطى", "Central Asia"),
    ("وزير الخارجية", "foreign minister"),
    ("وزير الدفاع", "defence minister", "defense minister"),
    ("برلمان", "parliament"),
    ("غاب", "تغيب", "لم يحضر", "skip", "skipped", "miss", "missed"),
    # who went in someone's place: «أرسلت وزير الخارجية سيرغي لافروف بدلاً من بوتين»
    ("أرسل", "أرسلت", "أوفد", "أوفدت", "send", "sent", "dispatched"), ("بدلا", "بدلاً من", "عوضا عن", "instead"),
    ("ممثل", "ممثلا", "represent", "represented", "representative"),
    ("حضر", "يحضر", "حضور", "attend", "attended", "attending", "attendance"),
    # common news words, for English questions
    ("بحيرة", "lake"), ("بحرية", "naval"), ("قاعدة", "base"), ("جيش", "army"), ("قوات", "troops", "forces"),
    ("نووي", "nuclear"), ("أسلحة", "weapons", "arms"), ("ذخائر", "ammunition", "munitions"),
    ("أقمار", "satellite", "satellites"), ("مساعدات", "aid"), ("متحدث", "spokesman", "spokesperson"),
    ("مستشار", "adviser", "advisor", "aide"), ("باحث", "researcher", "analyst"), ("فيتو", "veto"),
    ("أطفال", "children"), ("ترحيل", "deportation", "deported"), ("جرائم", "crimes"), ("مطار", "airport"),
    ("ذكرى", "anniversary"), ("منتدى", "forum"), ("شراكة", "partnership"), ("اقتصاد", "economy"),
    ("دعوة", "invitation", "invited"), ("اتهم", "accused", "accuse"), ("عسكرية", "military"),
    ("ضيف", "guest"),
    ("سكان", "تعداد", "population", "inhabitants"), ("شركات", "شركة", "company", "companies", "firms"),
    ("تهمة", "بتهمة", "charge", "charges", "charged"), ("رئيس الوزراء", "رئيس وزراء", "prime minister", "premier"),
    # months (both Arabic series) and days
    ("يناير", "كانون الثاني", "January"), ("فبراير", "شباط", "February"), ("مارس", "آذار", "March"),
    ("أبريل", "نيسان", "April"), ("مايو", "أيار", "May"), ("يونيو", "حزيران", "June"),
    ("يوليو", "تموز", "July"), ("أغسطس", "آب", "August"), ("سبتمبر", "أيلول", "September"),
    ("أكتوبر", "تشرين الأول", "October"), ("نوفمبر", "تشرين الثاني", "November"),
    ("ديسمبر", "كانون الأول", "December"),
    ("السبت", "Saturday"), ("الأحد", "Sunday"), ("الاثنين", "Monday"), ("الثلاثاء", "Tuesday"),
    ("الأربعاء", "Wednesday"), ("الخميس", "Thursday"), ("الجمعة", "Friday"),
)


# Cities a "which city" answer may name without the word «مدينة» (capitals and
# seats of the states above, and a few more).
CITIES = ("موسكو", "واشنطن", "بكين", "بيونغ يانغ", "سيول", "كييف", "بشكيك", "بيشكيك", "باكو", "يريفان", "مينسك",
          "أستانا", "طهران", "أنقرة", "نيودلهي", "بريتوريا", "جوهانسبرغ", "الرياض", "أبوظبي", "القاهرة", "دمشق",
          "بغداد", "تل أبيب", "لندن", "باريس", "برلين", "طوكيو", "بروكسل", "لاهاي", "جنيف", "نيويورك", "دبي",
          "إسطنبول", "بيروت", "عمّان", "Moscow", "Beijing", "Pyongyang", "Bishkek", "Johannesburg", "Hague")
_CITY_WORDS = ("مدينة", "بلدة", "العاصمة", "city", "town", "capital")


@lru_cache(maxsize=4)
def _cities(analyzer: str) -> tuple[frozenset[str], ...]:
    return tuple(frozenset(analyze(c, analyzer)) for c in CITIES + _CITY_WORDS)


def names_city(terms, analyzer: str = "stem+skeleton") -> bool:
    """Do the analysed terms name a city (by name, or as «مدينة X»)?

    >>> names_city(analyze('سيزور قاعدة جوية في مدينة كانت')), names_city(analyze('لن يحضر قمة العشرين في الهند'))
    (True, False)
    """
    have = set(terms)
    return any(c and c <= have for c in _cities(analyzer))


@lru_cache(maxsize=4)
def _analysed(analyzer: str) -> tuple[tuple[frozenset[str], ...], ...]:
    return tuple(tuple(frozenset(analyze(p, analyzer)) for p in g) for g in GROUPS)


@lru_cache(maxsize=4)
def entity_terms(analyzer: str = "stem+skeleton") -> frozenset[str]:
    """Every analysed term of every name of a state, place, institution or person."""
    return frozenset(t for group in _analysed(analyzer)[:_N_ENTITIES] for own in group for t in own)


def named(text_terms, analyzer: str = "stem+skeleton") -> frozenset[int]:
    """The states, places, institutions and people (group numbers) that a text
    with these analysed terms names under any of their names.

    >>> [GROUPS[i][0] for i in sorted(named(analyze('بوتين في بشكيك')))]
    ['قرغيزستان', 'بوتين']
    """
    have = set(text_terms)
    return frozenset(i for i, group in enumerate(_analysed(analyzer)[:_N_ENTITIES])
                     if any(own and own <= have for own in group))


def is_person(group: int) -> bool:
    return _N_ENTITIES - len(PEOPLE) <= group < _N_ENTITIES


def person_group(person: int) -> int:
    """The GROUPS number of PEOPLE[person]."""
    return _N_ENTITIES - len(PEOPLE) + person


def implied(person: int, group: int, analyzer: str = "stem+skeleton") -> bool:
    """Does a person's title name the other group («الرئيس الروسي»: Russia)?"""
    titles = frozenset(t for own in _analysed(analyzer)[person] for t in own)
    return any(own and own <= titles for own in _analysed(analyzer)[group])


def unmentioned(terms, known: set[str], analyzer: str = "stem+skeleton") -> list[str]:
    """Names of states, places, institutions or people that the question
    uses and the articles never use under any of their names: the articles
    cannot say anything about them («ما اسم القاعدة البحرية الروسية في سوريا؟»).

    >>> unmentioned(analyze('ما اسم القاعدة الروسية في سوريا؟'), set(analyze('روسيا قاعدة')))
    ['سوريا']
    """
    have = set(terms)
    out = []
    for raw, group in zip(GROUPS[:_N_ENTITIES], _analysed(analyzer)[:_N_ENTITIES]):
        if any(own and own <= have for own in group) and not any(own and own <= known for own in group):
            out.append(raw[0])
    return out


@dataclass(frozen=True)
class Alternatives:
    """For each name the question uses, the terms of its other names."""

    pairs: tuple[tuple[frozenset[str], tuple[frozenset[str], ...]], ...] = ()
    always: tuple[str, ...] = ()  # terms the lexical query takes even for names the articles use

    def augment(self, bag: set[str] | frozenset[str]) -> frozenset[str]:
        """The sentence's terms, plus the question's terms for a thing the
        sentence names another way.

        >>> alt = alternatives(analyze('أين سافر سيد الكرملين'))
        >>> sorted(alt.augment(set(analyze('زار بوتين قرغيزستان'))) - set(analyze('زار بوتين قرغيزستان')))
        ['~سفر', '~كرمل', 'سافر', 'سيد', 'كرمل']
        """
        out = set(bag)
        for own, others in self.pairs:
            if not own <= out and any(o <= out for o in others):
                out |= own
        return frozenset(out)

    def words(self, known: set[str] | None = None) -> list[str]:
        """The alternative terms for the lexical query: of every name, or
        (with ``known``, the terms the index uses) of names the articles
        never use.  Expanding a name they do use («روسيا» → «موسكو»،
        «الكرملين») only adds noise: hybrid recall@5 fell from 0.967 to 0.945."""
        return list(dict.fromkeys([t for own, others in self.pairs if known is None or not own <= known
                                   for o in others for t in sorted(o)] + list(self.always)))


def alternatives(terms, analyzer: str = "stem+skeleton", more: tuple = (), always: tuple = ()) -> Alternatives:
    """The groups whose names the analysed ``terms`` contain (and ``more``
    pairs; ``always``: terms the lexical query always takes).

    >>> [sorted(o) for _, others in alternatives(analyze('سلاح بيونغ يانغ')).pairs for o in others][:3]
    [['~شمل', 'شمال', 'كور'], ['~بنغنغ', 'بيونغيانغ'], ['korea', 'north']]
    """
    have = set(terms)
    pairs = []
    for group in _analysed(analyzer):
        for i, own in enumerate(group):
            if own and own <= have:
                pairs.append((own, tuple(o for j, o in enumerate(group) if j != i and o)))
    return Alternatives(tuple(pairs) + tuple(more), tuple(always))
