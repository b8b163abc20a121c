"""Who does what: the question's agent against the sentence's.

«متى سيزور شي جين بينغ موسكو؟» asks about something Xi does.  A sentence
saying «يلتقي الرئيس الروسي فلاديمير بوتين مع نظيره الصيني شي جين بينج» has
every word of the question's subject, but Xi is the one met (after «مع»,
«نظيره»), not the one who acts; «إن بوتين يعتزم زيارة الصين» names another
person as the one who travels.  Neither answers the question: the roles are
swapped.

Only named people are compared (rag/synonyms.py PEOPLE, with their titles):
they are the agents of news sentences, and a name is found reliably, its
grammatical role is not.  The rule reads two cheap, well-attested cues:

- a person named after «مع» ("with") or «نظيره/نظيرته» ("his/her
  counterpart"), or with the clitic «بـ/لـ» ("met with", "for"), is the other
  party of the clause, not its agent;
- a sentence that names some person as agent but never the question's agent
  is about someone else.

A meeting is mutual (``mutual``): there the other party of the sentence may
be the one the question names first.

A "who" question is not checked: its agent is what it asks for («من يرافق
بوتين» — Putin is the one accompanied).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from index.arabic import normalize, tokenize
from index.lexical import analyze

from .synonyms import PEOPLE

# Words that make the next name the other party: "with", "his counterpart".
_COMPANION = ("مع", "with", "نظير", "نظيره", "نظيرته", "نظيريه", "نظيرها", "نظراوه", "counterpart")
_BEFORE = 3  # a companion word at most this many words before the name («مع نظيره الصيني شي…»)
_CLITICS = ("ب", "ل")
# A meeting is mutual: «متى يلتقي شي جين بينغ مع بوتين؟» is answered by «يلتقي بوتين مع نظيره
# الصيني شي…», where Xi is "the other party" only grammatically.
_MUTUAL = ("التقى", "يلتقي", "التقيا", "لقاء", "اجتمع", "يجتمع", "اجتماع", "محادثات", "meet", "meets", "met",
           "meeting", "talks")


@lru_cache(maxsize=4)
def _names(analyzer: str) -> tuple[tuple[tuple[frozenset[str], ...], ...], ...]:
    """Per person, each name as a sequence of per-word analysed forms."""
    return tuple(tuple(tuple(frozenset(analyze(w, analyzer)) for w in tokenize(name)) for name in group)
                 for group in PEOPLE)


@lru_cache(maxsize=4)
def _mutual_forms(analyzer: str) -> frozenset[str]:
    return frozenset(f for w in _MUTUAL for f in analyze(w, analyzer))


def mutual(question: str, analyzer: str = "stem+skeleton") -> bool:
    """Does the question ask about a meeting (an action of both parties)?

    >>> mutual('متى يلتقي شي جين بينغ مع بوتين؟'), mutual('متى سيزور شي جين بينغ موسكو؟')
    (True, False)
    """
    forms = _mutual_forms(analyzer)
    return any(forms & set(analyze(w, analyzer)) for w in tokenize(question))


def _word_forms(words: list[str], analyzer: str) -> list[tuple[frozenset[str], frozenset[str]]]:
    """Each word's analysed forms, and those of the word without a clitic «بـ/لـ»."""
    out = []
    for w in words:
        bare = frozenset(analyze(w[1:], analyzer)) if w[:1] in _CLITICS and len(w) > 2 else frozenset()
        out.append((frozenset(analyze(w, analyzer)), bare))
    return out


def mentions(text: str, analyzer: str = "stem+skeleton") -> tuple[tuple[int, int, bool], ...]:
    """The people named in ``text``, in order: (person, word position, as the
    other party?).  A name must appear word for word, in order.

    >>> [(p, other) for p, _, other in mentions('يلتقي الرئيس الروسي فلاديمير بوتين مع نظيره الصيني شي جين بينج')]
    [(0, False), (0, False), (1, True)]
    >>> [(p, other) for p, _, other in mentions('When will Xi Jinping visit Moscow?')]
    [(1, False)]
    """
    words = tokenize(text)
    forms = _word_forms(words, analyzer)
    found: dict[tuple[int, int], bool] = {}
    for person, names in enumerate(_names(analyzer)):
        for name in names:
            if not name or not all(name):
                continue
            for i in range(len(words) - len(name) + 1):
                own = all(forms[i + j][0] & part for j, part in enumerate(name))
                clitic = not own and bool(forms[i][1] & name[0]) and all(
                    forms[i + j][0] & part for j, part in enumerate(name[1:], 1))
                if own or clitic:
                    before = words[max(0, i - _BEFORE): i]
                    found[(i, person)] = clitic or any(w in _COMPANION for w in before)
    return tuple(sorted(((p, i, other) for (i, p), other in found.items()), key=lambda m: m[1]))


@dataclass(frozen=True)
class Asked:
    """The people a question names and what it asks of them, found once per
    question (rag/query.py Query.roles) and compared with every candidate."""

    agent: int | None  # the person who acts (None for a "who" question, or none named)
    people: frozenset[int]  # every person it names
    mutual: bool  # it asks about a meeting
    speech: bool  # it asks what someone said
    name: int | None  # the person whose name it asks for, naming them by a title only


def asked_of(question: str, kind: str | None, analyzer: str = "stem+skeleton") -> Asked:
    """The question's people: its agent (the first one it names, unless it
    asks "who": then the agent is what is asked), all it names, and what it asks.

    >>> asked_of('متى سيزور شي جين بينغ موسكو؟', 'date').agent, asked_of('من يرافق بوتين؟', 'person').agent
    (1, None)
    """
    found = mentions(question, analyzer)
    named = [p for p, _, other in found if not other]
    return Asked(agent=named[0] if named and kind != "person" else None, people=frozenset(p for p, _, _ in found),
                 mutual=mutual(question, analyzer), speech=_asks_words(tokenize(question)),
                 name=name_asked(question, analyzer))


def swapped(asked: Asked, sentence: str, analyzer: str = "stem+skeleton") -> bool:
    """Does the sentence give the question's action to someone else?  True
    when the question's agent is named only as the other party, or not named
    while another person (not in the question) acts.

    >>> q = asked_of('متى سيزور شي جين بينغ موسكو؟', 'date')
    >>> swapped(q, 'يلتقي الرئيس الروسي فلاديمير بوتين مع نظيره الصيني شي جين بينج في أكتوبر')
    True
    >>> swapped(q, 'قال أوشاكوف إن بوتين يعتزم زيارة الصين في أكتوبر')
    True
    >>> swapped(q, 'يزور شي جين بينغ موسكو في مايو'), swapped(q, 'تبدأ الزيارة في مايو المقبل')
    (False, False)
    >>> swapped(asked_of('متى يلتقي شي جين بينغ مع بوتين؟', 'date'),
    ...         'يلتقي بوتين مع نظيره الصيني شي جين بينج في أكتوبر')
    False
    """
    who = asked.agent
    if who is None:
        return False
    named = mentions(sentence, analyzer)
    if any(p == who for p, _, _ in named):
        return all(other for p, _, other in named if p == who) and not asked.mutual
    return any(p not in asked.people and not other for p, _, other in named)


# ---------------------------------------------------------------- who said it
# «ماذا قال بوتين عن الزيارة؟» asks for Putin's words.  «وقال يوري أوشاكوف … إن بوتين يعتزم
# زيارة الصين» names Putin and the visit, but the one speaking is Ushakov: Putin is in the
# reported clause.  News Arabic puts the speaker right after the verb («وقال بوتين:»، «أكد
# بوتين»), or right before it («بوتين قال»).
_SPEECH = frozenset(tokenize(
    "قال قالت يقول تقول اكد اكدت يؤكد اضاف اضافت صرح صرحت اعلن اعلنت اوضح شدد ذكر تحدث "
    "said say says told tell stated"))
_AFTER_VERB, _BEFORE_VERB = 3, 2
_PASSIVE = frozenset(("was", "were", "is", "are", "been", "being", "be", "get", "got"))


def _speech_at(words: list[str]) -> list[int]:
    """Positions of speech verbs («وقال» too).

    >>> _speech_at(['وقال', 'بوتين', 'ان', 'الزياره']), _speech_at(['زار', 'بوتين'])
    ([0], [])
    """
    return [i for i, w in enumerate(words)
            if w in _SPEECH or (w[:1] in ("و", "ف") and w[1:] in _SPEECH)]


def _asks_words(words: list[str]) -> bool:
    """Does the question ask what someone said?  Not a passive ("Which summit
    was he told about?": he heard it; held-out C3b was refused as unspoken).

    >>> _asks_words(['what', 'did', 'putin', 'say']), _asks_words(['which', 'summit', 'was', 'he', 'told', 'about'])
    (True, False)
    """
    return any(not _PASSIVE & set(words[max(0, i - 2): i]) for i in _speech_at(words))  # "was he told"


def unspoken(asked: Asked, sentence: str, analyzer: str = "stem+skeleton") -> bool:
    """The question asks what a named person said, and in the sentence that
    person is not the subject of a speech verb.

    >>> q = asked_of('ماذا قال بوتين عن الزيارة؟', None)
    >>> unspoken(q, 'وقال يوري أوشاكوف، مساعد الكرملين، إن بوتين يعتزم زيارة الصين')
    True
    >>> unspoken(q, 'وقال بوتين: إن هذه الزيارة طال انتظارها'), unspoken(q, 'أكد الرئيس الروسي أهمية الزيارة')
    (False, False)
    >>> unspoken(asked_of('متى زار بوتين الصين؟', 'date'), 'قال أوشاكوف إن بوتين زار الصين')
    False
    """
    who = asked.agent
    if who is None or not asked.speech:
        return False
    verbs = _speech_at(tokenize(sentence))
    return not any(p == who and not other and any(0 < i - v <= _AFTER_VERB or 0 < v - i <= _BEFORE_VERB
                                                   for v in verbs)
                   for p, i, other in mentions(sentence, analyzer))


# ---------------------------------------------------------------- a name asked for
# «ما اسم الزعيم الكوري الشمالي؟» asks for the name behind a title.  A sentence naming him by
# the title only («…استقباله الزعيم الكوري الشمالي…») shares every word of the question and
# answers nothing.  Titles are the names of PEOPLE that hold a title word.
_TITLE_WORDS = frozenset(tokenize("رئيس الرئيس زعيم الزعيم وزير سيد مستشار president leader minister"))
_ASKS_NAME = re.compile(r"(^|\s)[وف]?(ما (هو )?اسم|من هو|من هي|مين|who is|who was|what is the name|name of)(\s|$)")


def is_title(name: str) -> bool:
    """Is this name of a person a title?

    >>> is_title('الزعيم الكوري الشمالي'), is_title('كيم جونغ أون'), is_title('سيد الكرملين')
    (True, False, True)
    """
    return bool(set(tokenize(name)) & _TITLE_WORDS)


def _names_by(text: str, person: int, analyzer: str, titles: bool) -> bool:
    words = tokenize(text)
    forms = _word_forms(words, analyzer)
    for raw, name in zip(PEOPLE[person], _names(analyzer)[person]):
        if is_title(raw) != titles or not name or not all(name):
            continue
        for i in range(len(words) - len(name) + 1):
            if all(forms[i + j][0] & part or (j == 0 and forms[i][1] & part) for j, part in enumerate(name)):
                return True
    return False


def name_asked(question: str, analyzer: str = "stem+skeleton") -> int | None:
    """The person whose name the question asks for, naming them by a title only.

    >>> (name_asked('ما اسم الزعيم الكوري الشمالي؟'), name_asked('من هو كيم جونغ أون؟'),
    ...  name_asked('متى زار الزعيم الكوري الشمالي روسيا؟'))
    (2, None, None)
    """
    if not _ASKS_NAME.search(normalize(question).lower()):
        return None
    for person in range(len(PEOPLE)):
        if _names_by(question, person, analyzer, titles=True) and not _names_by(question, person, analyzer, False):
            return person
    return None


def unnamed(asked: Asked, sentence: str, analyzer: str = "stem+skeleton") -> bool:
    """The question asks for a person's name and the sentence does not give it.

    >>> q = asked_of('ما اسم الزعيم الكوري الشمالي؟', None)
    >>> unnamed(q, 'بعد تسعة أشهر من استقباله الزعيم الكوري الشمالي في الشرق الأقصى')
    True
    >>> (unnamed(q, 'استقبل بوتين الزعيم الكوري الشمالي كيم جونغ أون'),
    ...  unnamed(asked_of('متى زار بوتين الصين؟', 'date'), 'زار الصين'))
    (False, False)
    """
    person = asked.name
    return person is not None and not _names_by(sentence, person, analyzer, titles=False)


# ---------------------------------------------------------------- a "who" answer names someone
# «من أرسلت روسيا بدلاً منه؟» asks for a person.  A sentence that names nobody but the people
# the question names («بوتين لم يخرج من روسيا…») answers nothing: the one asked for is someone
# else.  A person is named by a name PEOPLE knows, or by a word for an office or a role
# («وزير الخارجية سيرغي لافروف», «رئيس قرغيزستان، صدير جباروف», «الباحث…»), which news
# Arabic puts before a name it introduces.
_ROLE_WORDS = frozenset(tokenize(
    "رئيس الرئيس رئيسه الرئيسه زعيم الزعيم وزير الوزير وزيره مستشار المستشار مساعد المساعد متحدث المتحدث "
    "الناطق ناطق نائب سفير السفير مدير المدير قائد القائد سكرتير الامين المدعي القاضي المسؤول المسؤوله مسؤول "
    "الملك ملك امير الامير المفوض المفوضه الباحث باحث الخبير خبير المحلل محلل نظيره نظيرته الزعيمان الرئيسين"))


def names_nobody_else(asked: Asked, sentence: str, analyzer: str = "stem+skeleton") -> bool:
    """For a "who" question: does the sentence name no person but those the
    question names?

    >>> q = asked_of('Who did Russia send instead of Putin?', 'person')
    >>> names_nobody_else(q, 'بوتين لم يخرج من روسيا منذ بدء الحرب')
    True
    >>> (names_nobody_else(q, 'أرسلت وزير الخارجية سيرغي لافروف بدلاً من بوتين'),
    ...  names_nobody_else(q, 'التقى بوتين لافروف'))
    (False, False)
    >>> names_nobody_else(q, 'وتحدث المستشار الدبلوماسي لفلاديمير بوتين، يوري أوشاكوف')
    False
    """
    if asked.name is not None:
        return False  # a title's name is asked: ``unnamed`` checks that
    found = mentions(sentence, analyzer)
    if any(p not in asked.people for p, _, _ in found):
        return False
    words = tokenize(sentence)
    # «الرئيس الروسي فلاديمير بوتين», «الرئيس بوتين»: the office is the named one's when his name
    # starts at it or right after it; «المستشار الدبلوماسي لفلاديمير بوتين» is someone else.
    own = {i for p, i, _ in found}
    return not any((w in _ROLE_WORDS or (w[:1] in "وبل" and w[1:] in _ROLE_WORDS))
                   and not any(0 <= j - i <= 1 for j in own) for i, w in enumerate(words))
