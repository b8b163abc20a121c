"""Is the answer really in the passages?  Beyond retrieval's topical
confidence, a question asking "how many" or "when" needs a passage sentence
that states a number or a date; without one we say the articles don't say."""

from __future__ import annotations

from index.arabic import normalize, tokenize
from index.lexical import analyze

from .kinds import asks_outcome, has_outcome, has_type
from .nations import moved_past, no_new_destination, other_leader
from .query import question_kind
from .relevance import with_clitics
from .statements import event_stated, has_reason, other_title, restates, states_cause, title_asked
from .roles import names_nobody_else, swapped, unnamed, unspoken
from .synonyms import is_person, named


def expected_type(question: str) -> str | None:
    """'number' for how-many questions, 'date' for when-questions, else None.

    >>> expected_type('كم تستغرق الزيارة؟'), expected_type('متى زار بوتين الصين؟'), expected_type('لماذا؟')
    ('number', 'date', None)
    >>> (expected_type('When did the court issue the warrant?'), expected_type('ومتى حدث ذلك؟'),
    ...  expected_type('وكم يوما؟'))
    ('date', 'date', 'number')
    """
    kind = question_kind(question)
    return kind if kind in ("number", "date") else None


# ---------------------------------------------------------------- which sentences may answer
# Why codes for an abstention (the CLI and UI translate them).
LOW_CONFIDENCE = "low_confidence"  # retrieval found nothing close enough
NOT_MENTIONED = "not_mentioned"  # the thing asked about («ما اسم المدعي العام») is in no article
NO_TYPED_SENTENCE = "no_typed_sentence"  # "when"/"how many" and no sentence about it states a date/number
NO_RELEVANT_SENTENCE = "no_relevant_sentence"
FAR_FROM_QUESTION = "far_from_question"  # the best sentences share neither the question's words nor its meaning
NO_REASON = "no_reason"  # why-question: the sentence reporting the event gives no cause
NO_SLOT = "no_slot"  # "which lake…": no sentence names the kind of thing asked for
ROLES_SWAPPED = "roles_swapped"  # the sentences give the question's action to someone else (rag/roles.py)
NO_NAME = "no_name"  # «ما اسم الزعيم الكوري الشمالي؟»: no sentence gives the name behind the title

# A date or number only answers when its sentence is about the question's
# subject: the sentence must carry this share of the question's IDF weight
# (terms no article uses count at the highest weight).  On the eval set the
# right sentences of answerable date/number questions carry 0.45-1.0, the
# dated sentences offered to «متى زار بوتين منغوليا» 0.3 (eval/README.md).
TYPED_FOCUS = 0.45
_NEAR = 3  # «كم عدد X»: a number at most this many words before X
NAMED_DATE_FOCUS = 0.9


def _counted(sentence: str, slot: tuple[str, ...], analyzer: str) -> bool:
    """Is a number stated right before the counted thing?

    >>> _counted('فرضت عقوبات على أربع شركات قيرغيزية', ('شرك', '~شرك'), 'stem+skeleton')
    True
    >>> _counted('نزوح جماعي لغالبية سكان الجيب بعد هجوم استمر يوما واحدا', ('سك', 'سكان'), 'stem+skeleton')
    False
    """

    words = normalize(sentence).split()
    for i, w in enumerate(words):
        if set(analyze(w, analyzer)) & set(slot):
            if any(has_type(x, "number") for x in words[max(0, i - _NEAR): i]):
                return True
    return False


def strict_focus(query, sentence_terms: set[str], idf: dict[str, float], known: set[str]) -> float:
    """Share of the question's IDF weight in the sentence, where a term no
    article uses weighs as much as the rarest known one (it names something
    the articles may not have)."""
    if not query.terms:
        return 0.0
    top = max((idf[t] for t in query.terms if t in known), default=1.0)
    w = query.scale({t: (idf[t] if t in known else top) for t in query.terms})
    total = sum(w.values()) or 1.0
    return sum(v for t, v in w.items() if t in sentence_terms) / total


# A sentence answers only when it is close to the question in its words (the
# IDF share of the question's terms it names, other names counted) or in its
# meaning (USE cosine with the question).  A paraphrase shares few words but
# is close in meaning (right answers: focus 0.35 at cosine 0.39, «حضر دورة
# الألعاب…»); a short factual answer is far in cosine but names most of the
# question (focus 0.52-0.67 at cosine 0.05-0.17).  A sentence low on both
# views matches only a side phrase of the question: «…سافر بوتين فقط إلى الدول
# المجاورة للاتحاد السوفييتي السابق» for «ما الاجتماع الإقليمي لبلدان الاتحاد
# السوفييتي السابق الذي سيختم به بوتين رحلته؟» (focus 0.36, cosine 0.23).
# Measured on the eval set (eval/README.md): wrong-but-shown 5 -> 3, no right
# answer lost.
FAR_FOCUS = 0.4
FAR_DENSE = 0.3


def far_from_question(focus: float, dense: float) -> bool:
    """Is a sentence far from the question both in words and in meaning?

    >>> far_from_question(0.36, 0.23), far_from_question(0.35, 0.39), far_from_question(0.6, 0.1)
    (True, False, False)
    """
    return focus < FAR_FOCUS and dense < FAR_DENSE


# «وأي قمة أخرى لم يحضرها؟», "Which other summit did he not attend?" ask for one besides the
# one the earlier turn was about.
_OTHER = frozenset(tokenize("اخرى اخري اخر الاخرى الاخري الاخر other another else"))


def asks_other(question: str) -> bool:
    """Does the question ask for another one («أخرى», "other")?

    >>> (asks_other('وأي قمة أخرى لم يحضرها؟'), asks_other('Which other summit did he not attend?'),
    ...  asks_other('أين القمة؟'))
    (True, True, False)
    """
    return bool(_OTHER & set(tokenize(question)))


def earlier_thing(query, terms) -> bool:
    """For a follow-up asking for another one: does the sentence name a
    state, place or institution the earlier turn named (carried over by the
    rewrite)?  It answers the earlier question, not this one: "Which other
    summit did he not attend? — Putin, South Africa" is not answered by «ولم
    يحضر بوتين قمة بريكس التي استضافتها جنوب أفريقيا» (eval q154).  People
    are left out: the one who acts («بوتين») is the same in both turns.

    >>> from rag.query import analyse_query
    >>> from index.lexical import analyze
    >>> q = analyse_query('Which other summit did he not attend? — Putin, South Africa',
    ...                   asked='Which other summit did he not attend?')
    >>> earlier_thing(q, q.alts.augment(analyze('ولم يحضر بوتين قمة بريكس التي استضافتها جنوب أفريقيا')))
    True
    >>> earlier_thing(q, q.alts.augment(analyze('أبلغ بوتين مودي أنه لن يحضر قمة مجموعة العشرين')))
    False
    """
    if not query.carried or not asks_other(query.asked or query.text):
        return False
    before = {g for g in named(query.carried, query.analyzer) if not is_person(g)}
    return bool(before & named(terms, query.analyzer))


def answerability(query, cands: list, hits: list) -> float:
    """How likely one retrieved sentence answers the question, in 0..1.

    Half topic (the best passage's dense cosine: USE puts related text at
    roughly 0.15..0.55), half the best sentence's focus (the IDF share of the
    question's content terms it carries).  Measured per sentence and over all
    passages, not per top-3 passage with the question words counted: the
    passage version refused «أين عُقدت قمة بريكس التي غاب عنها بوتين؟»
    (confidence 0.26, its answer at focus 0.67) and two more answerable
    questions of the eval set, and refused no more unanswerable ones.
    A question in another language shares words with the articles only
    through the names rag/synonyms.py knows («Kyrgyzstan» → قرغيزستان); with
    none of them its topic score stands alone.

    >>> from types import SimpleNamespace as N
    >>> q = N(language='ar'); hits = [N(dense=0.35)]
    >>> answerability(q, [N(rel=N(focus=0.8)), N(rel=N(focus=0.2))], hits)
    0.65
    >>> answerability(N(language='en', alts=N(pairs=())), [N(rel=N(focus=0.8))], hits)
    0.5
    """
    cos = max((h.dense for h in hits if h.dense is not None), default=0.0)
    topic = min(1.0, max(0.0, (cos - 0.15) / 0.4))
    if query.language != "ar" and not query.alts.pairs:
        return round(topic, 4)
    focus = max((c.rel.focus for c in cands if c.rel is not None), default=0.0)
    return round(0.5 * topic + 0.5 * focus, 4)


def _with_reason(query, cands: list) -> list:
    """For a why-question: when the sentence closest to the question reports
    the event and says nothing more about it («وسيغيب عن القمة باشينيان، بحسب
    الرئاسة»), the articles state the fact, not its cause; only a sentence
    that states a cause (a connective: لأن، بسبب، ولهذا السبب) may answer then,
    never one that merely names other words of the question."""
    if query.language != "ar":
        # A question in another language shares only names with the Arabic sentences:
        # whether one restates it cannot be judged, so only a stated cause answers.  "Why is
        # Putin not at risk of arrest in Kyrgyzstan?" was answered with «وصل بوتين إلى
        # قيرغيزستان… مذكرة اعتقال بحقه بتهمة…» (held-out A15; eval/README.md, measured).
        return [c for c in cands if states_cause(query.asked or query.text, c.text)]
    cands = [c for c in cands if event_stated(query.asked or query.text, c.text, query.analyzer)]
    best = max(cands, key=lambda c: c.score, default=None)
    if best is None or not restates(query, best.text):
        return cands
    return [c for c in cands if has_reason(c.text) and not restates(query, c.text)]


def usable(query, cands: list, known: set[str], idf: dict[str, float], analyzer: str = "stem+skeleton",
           absent: list[str] | tuple = ()):
    """The candidate sentences that may be shown as an answer, or ([], why).

    The question's kind and slot decide: a "when"/"how many" question needs a
    sentence about its subject that states a date/number (for «كم عدد X», a
    number counting X); a question naming a thing the articles never mention
    cannot be answered from them, nor one naming a state, place or person
    (``absent``) that no article names under any of its names.
    """
    if query.slot and not (set(with_clitics(query.slot)) & known) and query.language == "ar":
        return [], NOT_MENTIONED
    if absent:  # a state, place or person no article names (rag/synonyms.py unmentioned)
        return [], NOT_MENTIONED
    ok = [c for c in cands if c.rel is None or c.rel.kind_ok]  # headings never became candidates
    # "Which lake…": the answer names the lake («بحيرة إيسيك كول»).  Only English which-questions
    # (rag/query.py english_slot, nouns that head a name): the same filter on the Arabic slots
    # («ما المناسبة التي…», «من هي المسؤولة…») refused 3 right answers whose sentence names the
    # occasion or the official without the class word (eval: containment 0.924 -> 0.899).
    if query.slot and query.language == "en" and query.kind != "number":
        ok = [c for c in ok if c.rel is None or c.rel.slot_ok]
        if not ok:
            return [], NO_SLOT
    if any(c.dense for c in ok):  # the meaning was measured (an embedder ranked them)
        ok = [c for c in ok if c.rel is None or not far_from_question(c.rel.focus, c.dense)]
        if not ok:
            return [], FAR_FROM_QUESTION
    # «متى سيزور شي جين بينغ موسكو؟» is not answered by «يلتقي بوتين مع نظيره الصيني شي…»: the
    # question's agent is the other party there (rag/roles.py; eval/README.md, measured).
    # «ماذا قال بوتين…» is not answered by «وقال أوشاكوف… إن بوتين يعتزم…»: saying is the action,
    # and another person does it (rag/roles.py unspoken; eval/README.md, browser review).
    roles = query.roles  # the question's people, found once
    ok = [c for c in ok if not swapped(roles, c.text, analyzer) and not unspoken(roles, c.text, analyzer)]
    # «— رئيس قرغيزستان» is not answered by «…مع نظيره الأذربيجاني إلهام علييف»: the sentence's
    # counterpart leads another state (rag/nations.py; eval/README.md, measured).
    ok = [c for c in ok if not other_leader(query.text, c.text) and not earlier_thing(query, c.terms)]
    past = moved_past(query)  # «وبعدها إلى أين…»: not the place it moves past
    ok = [c for c in ok if not no_new_destination(query, c.text, past)]
    if not ok:
        return [], ROLES_SWAPPED
    ok = [c for c in ok if not unnamed(roles, c.text, analyzer)]
    if query.kind == "person":  # «من أرسلت روسيا بدلاً منه؟»: the answer names someone (rag/roles.py)
        ok = [c for c in ok if not names_nobody_else(roles, c.text, analyzer)]
    org = title_asked(query.asked or query.text, analyzer) if query.language == "ar" else frozenset()
    if org:  # «من هو رئيس المحكمة…»: «الرئيس الروسي» holds another title (rag/statements.py)
        ok = [c for c in ok if not other_title(org, c.text, analyzer)]
    if not ok:
        return [], NO_NAME
    if asks_outcome(query.asked or query.text):  # «ما نتيجة القمة؟»: a sentence stating a result
        ok = [c for c in ok if has_outcome(c.text)]
        if not ok:
            return [], NO_RELEVANT_SENTENCE
    if query.kind == "reason":
        ok = _with_reason(query, ok)
        if not ok:
            return [], NO_REASON
    if query.kind in ("date", "number") or query.city:
        if query.language == "ar" or query.alts.pairs:  # English shares words through known names only
            ok = [c for c in ok if strict_focus(query, c.terms, idf, known) >= TYPED_FOCUS]
            if query.kind == "number" and query.slot:
                ok = [c for c in ok if _counted(c.text, query.slot, analyzer)]
        if query.kind == "date" and ok:
            # A named day, month or year beats «بعد تسعة أشهر» or «هذا العام» when both are on
            # offer in sentences as close to the question (else the relative date is the answer:
            # «متى استقبل بوتين الزعيم الكوري…» → «بعد تسعة أشهر من استقباله…»).
            best = max(c.rel.focus if c.rel else 0.0 for c in ok)
            named = [c for c in ok if c.named_date and (c.rel.focus if c.rel else 0.0) >= NAMED_DATE_FOCUS * best]
            ok = named or ok
        if not ok:
            return [], NO_TYPED_SENTENCE
    if not ok:
        return [], NO_RELEVANT_SENTENCE
    return ok, None
