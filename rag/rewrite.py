"""Turn a follow-up question into a standalone one before retrieval.

Only a question that does not stand alone is rewritten, and only from the
conversation's *entities*: the people, places, institutions and events its
earlier questions (and the last answer) name, written in the follow-up's own
language through the bilingual names of rag/synonyms.py.  After "Who did Putin
meet in North Korea?" the follow-up «ومتى كانت الزيارة؟» is searched as
«ومتى كانت الزيارة؟ — بوتين، كوريا الشمالية», not with an English fragment
glued on ("(Putin meet North Korea)" found the Kyrgyzstan trip) nor with a dump
of the earlier question's verbs.  The history holds what the user asked, never
a rewrite, so nothing a rewrite added is carried to the next turn.
"""

from __future__ import annotations

import re
from functools import lru_cache

from index.arabic import detect_language, normalize, tokenize
from index.lexical import analyze, is_stopword

from .generate import Generator
from .relevance import question_kind
from .synonyms import GROUPS, PEOPLE, is_person, person_group

Turn = tuple[str, str]  # (question as the user asked it, the answer shown); oldest first

# Words that point back at the conversation: "he", "there", "that", "it" ...
_REFERRING = set(
    tokenize(
        "هو هي هم هما ذلك تلك هذا هذه هناك هنالك عنه عنها فيه فيها منه منها اليه اليها له لها معه معها به بها "
        "ايضا كذلك وماذا ولماذا ومتى واين وكيف وكم وهل وما ومن واي وباي وفي ومع اخري الاخري اخر الاخر "
        "he she it they them his her him hers its their theirs there that this those these also then else "
        "same other another"
    )
)
_ASKING = set(tokenize("ما من ماذا وما ومن what who"))
_COPULA = set(tokenize("هو هي هم هما is are was were"))
# English words that say nothing about the topic (auxiliaries the lexical stop list lacks).
_EN_AUX = set("will would can could shall should may might must has have had be been being and but so "
              "about".split())
_PRONOUN_SUFFIX = re.compile(r"(ه|ها|هم|هما)$")
MAX_ENTITIES = 4  # a short phrase, not a keyword dump

# Head nouns that make an event or an office of the name after them (Arabic) or before
# them (English): «قمة بريكس» / "BRICS summit", «رئيس قرغيزستان» / "president of Kyrgyzstan".
HEADS = (("قمة", "summit"), ("زيارة", "visit"), ("رحلة", "trip"), ("رئيس", "president"), ("زعيم", "leader"),
         ("وزير", "minister"), ("منتدى", "forum"), ("قاعدة", "base"), ("برلمان", "parliament"),
         ("اتفاق", "agreement"), ("اتفاقية", "treaty"), ("مجلس", "council"), ("حكومة", "government"),
         ("جيش", "army"), ("مذكرة", "warrant"))
_HEAD_AR = {normalize(a): i for i, (a, _) in enumerate(HEADS)}
_HEAD_EN = {e: i for i, (_, e) in enumerate(HEADS)}
_THE_HEAD = re.compile(r"\bthe (%s|meeting|talks)\b" % "|".join(_HEAD_EN))


def _head(tok: str) -> int | None:
    """The HEADS row of a normalised Arabic or English word («والقمة», "summit")."""
    return _HEAD_EN.get(tok, _HEAD_AR.get(re.sub(r"^(و?ال|و)", "", tok)))

REWRITE_SYSTEM = (
    "أعد كتابة السؤال الأخير ليكون مفهوما وحده دون المحادثة، بنفس لغته. "
    "أخرج السؤال المعاد كتابته فقط."
)


def needs_context(question: str) -> bool:
    """A short question, or a fairly short one that refers back ('ومتى حدث ذلك؟',
    'Who will go with him?'); a question that names enough by itself stands
    alone even with a 'that', and so does one that names a person, place or
    institution and refers to nothing ('Who is Lavrov?').

    >>> needs_context('ومتى حدث ذلك؟'), needs_context('لماذا تغيب بوتين عن قمة بريكس؟')
    (True, False)
    >>> needs_context('لماذا غضبت موسكو من البرلمان الأرميني وما علاقة ذلك بالمحكمة الجنائية؟')
    False
    >>> needs_context('ما هي عاصمة البرازيل؟'), needs_context('ومن هو؟'), needs_context('ومع من أجرى محادثات خلالها؟')
    (False, True, True)
    >>> needs_context('Who will go with him?'), needs_context('And when was the visit?'), needs_context('Who is Lavrov?')
    (True, True, False)
    >>> needs_context('Who will accompany Putin on his trip to North Korea?')
    False
    """
    toks = tokenize(question)
    if len(toks) > 1 and toks[0] in _ASKING and toks[1] in _COPULA:
        toks = toks[2:]  # «ما هي عاصمة البرازيل؟»: هي is a copula here, it refers to nothing
    content = [t for t in toks if not is_stopword(t) and t not in _REFERRING and t not in _EN_AUX]
    # «خلالها»، «يحضرها»: a pronoun suffix points back too (on the raw word:
    # normalisation turns ة into ه)
    suffixed = any(len(w) > 3 and _PRONOUN_SUFFIX.search(w) and not w.endswith("ه")
                   for w in re.findall(r"\w+", question))
    refers = suffixed or any(t in _REFERRING for t in toks)
    if not refers and _mentions(question):
        return False
    # «الزيارة», "the summit": a definite event that the question does not name points back
    refers = refers or any(_head(t) is not None and t.startswith(("ال", "وال")) for t in toks) \
        or bool(_THE_HEAD.search(normalize(question)))
    return len(content) < 2 or (refers and len(content) < 4)


# ------------------------------------------------------------------ entities
@lru_cache(maxsize=1)
def _entity_names() -> tuple[tuple[int, str, tuple[frozenset[str], ...]], ...]:
    """(group, name, per-word analysed forms) for every name of a state, place,
    institution or person, longest first (so «الرئيس الروسي» is Putin, not Russia)."""
    out = []
    for g, group in enumerate(GROUPS[: person_group(len(PEOPLE) - 1) + 1]):  # the people close the entities
        for name in group:
            parts = tuple(frozenset(analyze(w)) for w in tokenize(name))
            if parts and all(parts):
                out.append((g, name, parts))
    return tuple(sorted(out, key=lambda x: -len(x[2])))


def _words(text: str) -> list[tuple[str, str]]:
    """(surface, normalised token) per word, punctuation dropped."""
    out = []
    for chunk in text.split():
        toks = tokenize(chunk)
        surface = chunk.strip(" \t.,;:!?؟،؛«»\"'()[]—-")
        out += [(surface if len(toks) == 1 else t, t) for t in toks]
    return out


@lru_cache(maxsize=512)
def _mentions(text: str) -> tuple[tuple[int, int, int, str], ...]:
    """The entities a text names, in order: (first word, end word, group, name
    as listed in rag/synonyms.py), longest names first, not overlapping.

    >>> [(GROUPS[g][0], name) for _, _, g, name in _mentions('Who did Putin meet in North Korea?')]
    [('بوتين', 'Putin'), ('كوريا الشمالية', 'North Korea')]
    >>> [name for *_, name in _mentions('لماذا يلتقي الرئيس الروسي بنظيره')]
    ['الرئيس الروسي']
    """
    words = _words(text)
    forms = [frozenset(analyze(t)) for _, t in words]
    taken: set[int] = set()
    found = []
    for g, name, parts in _entity_names():
        for i in range(len(words) - len(parts) + 1):
            span = range(i, i + len(parts))
            if not taken & set(span) and all(forms[i + j] & p for j, p in enumerate(parts)):
                taken |= set(span)
                # the spelling the text uses, when the table lists it («قيرغيزستان» / «قرغيزستان»:
                # BM25 tells them apart, and the user's is the articles' more often than not)
                said = [w for _, w in words[i: i + len(parts)]]
                found.append((i, i + len(parts), g, next((n for n in GROUPS[g] if tokenize(n) == said), name)))
    return tuple(sorted(found))


def _in_language(group: int, name: str, lang: str) -> str:
    """A name in the question's language: the Arabic name the conversation used,
    or the first name of that script in the group."""
    if detect_language(name) == lang:
        return name
    return next((n for n in GROUPS[group] if detect_language(n) == lang), name)


def _phrases(text: str, lang: str) -> list[tuple[int, str]]:
    """(group, phrase) per entity a text names, in the language ``lang``, with
    the head noun that makes an event or office of it («قمة بريكس»).

    >>> [p for _, p in _phrases('لماذا تغيب بوتين عن قمة بريكس؟', 'en')]
    ['Putin', 'BRICS summit']
    >>> [p for _, p in _phrases('Who skipped the BRICS summit?', 'ar')]
    ['قمة بريكس']
    >>> [p for _, p in _phrases('ما اسم رئيس قيرغيزستان؟', 'ar')], [p for _, p in _phrases('Where is the base?', 'ar')]
    (['رئيس قيرغيزستان'], ['القاعدة'])
    """
    words = _words(text)
    toks = [t for _, t in words]
    out: list[tuple[int, str]] = []
    used: set[int] = set()  # word positions in a phrase
    for start, end, g, name in _mentions(text):
        used |= set(range(start, end))
        at = None
        if start and toks[start - 1] not in _HEAD_EN and _head(toks[start - 1]) is not None:
            at = start - 1  # «قمة بريكس»
        elif end < len(toks) and toks[end] in _HEAD_EN:
            at = end  # "BRICS summit"
        elif start > 1 and toks[start - 1] == "of" and toks[start - 2] in _HEAD_EN:
            at = start - 2  # "president of Kyrgyzstan"
        own = _in_language(g, name, lang)
        if at is None or is_person(g):
            out.append((g, own))
            continue
        used.add(at)
        head = HEADS[_head(toks[at])][0 if lang == "ar" else 1]
        out.append((g, f"{head} {own}" if lang == "ar" else f"{own} {head}"))
    # a definite event or office named by no entity: «وما القاعدة التي سيزورها هناك؟» -> «القاعدة»
    for i, t in enumerate(toks):
        row = _head(t)
        if row is not None and i not in used and (t.startswith(("ال", "وال")) or (i and toks[i - 1] == "the")):
            out.append((-1 - row, ("ال" + HEADS[row][0]) if lang == "ar" else f"the {HEADS[row][1]}"))
    return out


def conversation_entities(question: str, history: list[Turn]) -> list[str]:
    """What the conversation is about, in the follow-up's language: the
    entities of the earlier questions back to the last one that stood alone
    (most recent first), then, after a who-question, the person its answer
    names; the answer's entities only when the questions name none.  Entities
    the follow-up names itself are left out.

    >>> conversation_entities('ومتى كانت الزيارة؟', [('Who did Putin meet in North Korea?', '')])
    ['بوتين', 'كوريا الشمالية']
    >>> conversation_entities('And when was the visit?', [('من سيرافق بوتين في زيارته إلى كوريا الشمالية؟', '')])
    ['Putin', 'North Korea']
    >>> conversation_entities('متى التقى به؟', [('من سيرافق بوتين؟', 'سيرافقه وزير الخارجية الروسي سيرغي لافروف [1].')])
    ['بوتين', 'وزير الخارجية الروسي']
    """
    lang = detect_language(question)
    have = {g for *_, g, _ in _mentions(question)}
    chain: list[Turn] = []
    for turn in reversed(history):
        chain.append(turn)
        if not needs_context(turn[0]):
            break  # in «لماذا تغيب بوتين عن قمة بريكس؟ / وأي قمة أخرى لم يحضرها؟ / ومن أبلغه بذلك؟» Putin is two turns back
    out: dict[int, str] = {}
    for q, _ in chain:
        for g, phrase in _phrases(q, lang):
            if g not in have:
                out.setdefault(g, phrase)
    last_q, last_a = history[-1] if history else ("", "")
    answered = [(g, p) for g, p in _phrases(last_a, lang) if g not in have and g not in out]
    if question_kind(last_q) == "person":  # "who…?": the answer names the one the follow-up means
        out.update(dict([(g, p) for g, p in answered if is_person(g)][:1]))
    if not out:
        out.update(dict(answered[:2]))
    return list(out.values())[:MAX_ENTITIES]


def _content_words(question: str, history: list[Turn], lang: str) -> list[str]:
    """Fallback when the conversation names no entity the names table knows:
    the earlier question's content words of the follow-up's script."""
    have = set(tokenize(question))
    words = []
    for q, _ in reversed(history):
        words += [w for w, t in _words(q) if t not in have and not is_stopword(t) and t not in _REFERRING
                  and t not in _EN_AUX and detect_language(w) == lang]
        if not needs_context(q):
            break
    return list(dict.fromkeys(words))[:MAX_ENTITIES]


def rewrite_rule(question: str, history: list[Turn]) -> str:
    """The follow-up, then what it refers to (a short phrase in its language).

    >>> rewrite_rule('ومتى حدث ذلك؟', [('لماذا تغيب بوتين عن قمة بريكس؟', '...')])
    'ومتى حدث ذلك؟ — بوتين، قمة بريكس'
    >>> rewrite_rule('ومتى كانت الزيارة؟', [('Who did Putin meet in North Korea?', '...')])
    'ومتى كانت الزيارة؟ — بوتين، كوريا الشمالية'
    >>> rewrite_rule('Who will go with him?', [('لماذا تغيب بوتين عن قمة بريكس؟', '')])
    'Who will go with him? — Putin, BRICS summit'
    >>> rewrite_rule('ما هي عاصمة البرازيل؟', [('ومتى كانت الزيارة؟', ''), ('Who did Putin meet in North Korea?', '')])
    'ما هي عاصمة البرازيل؟'
    """
    lang = detect_language(question)
    if not history or lang not in ("ar", "en") or not needs_context(question):
        return question
    words = conversation_entities(question, history) or _content_words(question, history, lang)
    sep = "، " if lang == "ar" else ", "
    return f"{question} — {sep.join(words)}" if words else question


def rewrite(question: str, history: list[Turn], generator: Generator | None = None) -> str:
    """LLM rewrite with an instruct model; the deterministic rule otherwise
    (base models only continue text, they do not follow this instruction)."""
    if not history or not needs_context(question):
        return question
    if generator is not None and generator.chat:
        convo = "\n".join(f"المستخدم: {q}\nالمساعد: {a[:300]}" for q, a in history[-3:])
        messages = [
            {"role": "system", "content": REWRITE_SYSTEM},
            {"role": "user", "content": f"{convo}\n\nالسؤال الأخير: {question}"},
        ]
        try:
            out = "".join(generator.stream(messages, max_tokens=64, temperature=0.0, stop=["\n"])).strip()
            # in the question's language, or the rule below (a model answering in
            # the history's language glued English onto an Arabic question)
            if 3 <= len(out) <= 400 and detect_language(out) == detect_language(question):
                return out
        except Exception:  # the rule below is always available
            pass
    return rewrite_rule(question, history)
