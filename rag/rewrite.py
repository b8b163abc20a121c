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

from index.arabic import detect_language, normalize, tokenize
from index.lexical import is_stopword

from .entities import EVENT_NOUNS, THE_HEAD, events, head_row, mentions, phrases, word_list
from .generate import Generator
from .query import question_kind
from .synonyms import is_person

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
_PERSON_REF = set(tokenize("هو هي معه معها به بها له لها عنه عنها منه منها اليه اليها he him his she her"))
_ASKING = set(tokenize("ما من ماذا وما ومن what who"))
_COPULA = set(tokenize("هو هي هم هما is are was were"))
# English words that say nothing about the topic (auxiliaries the lexical stop list lacks).
_EN_AUX = set("will would can could shall should may might must has have had be been being and but so "
              "about".split())
_ELLIPTIC = re.compile(r"\s*(and|what about|how about|و?ماذا عن|و?ما?اذا بشان)\b")
_PRONOUN_SUFFIX = re.compile(r"(ه|ها|هم|هما)$")
# Arabic is verb-first: the word after these (and after a relative pronoun, and after «أي»
# and its noun) is a verb — «أين ولد جبران…؟», «ما الحزب الذي يرأسه…؟», «في أي عام توفي…؟».
_BEFORE_VERB = set(tokenize("متى اين كيف لماذا هل ماذا من ومتى واين وكيف ولماذا وهل وماذا ومن "
                            "الذي التي الذين اللذان اللتان"))
_WHICH = set(tokenize("اي وأي"))
MAX_ENTITIES = 4  # a short phrase, not a keyword dump

REWRITE_SYSTEM = (
    "أعد كتابة السؤال الأخير ليكون مفهوما وحده دون المحادثة، بنفس لغته. "
    "أخرج السؤال المعاد كتابته فقط."
)


def _elliptic(question: str) -> bool:
    """"What about Kazakhstan?", «وكازاخستان؟», «ماذا عن الصين؟»: the last question
    asked again of another name."""
    words = re.findall(r"\w+", question)
    return bool(_ELLIPTIC.match(normalize(question))) or bool(
        words and words[0].startswith("و") and mentions(words[0][1:]))


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
    >>> (needs_context('Who will go with him?'), needs_context('And when was the visit?'),
    ...  needs_context('Who is Lavrov?'))
    (True, True, False)
    >>> needs_context('Who will accompany Putin on his trip to North Korea?')
    False
    >>> needs_context('What about Kazakhstan?'), needs_context('وكازاخستان؟'), needs_context('ماذا عن الصين؟')
    (True, True, True)
    """
    toks = tokenize(question)
    if len(toks) > 1 and toks[0] in _ASKING and toks[1] in _COPULA:
        toks = toks[2:]  # «ما هي عاصمة البرازيل؟»: هي is a copula here, it refers to nothing
    content = [t for t in toks if not is_stopword(t) and t not in _REFERRING and t not in _EN_AUX]
    # «خلالها»، «يحضرها»: a pronoun suffix points back too (on the raw word:
    # normalisation turns ة into ه)
    suffixed = any(len(w) > 3 and _PRONOUN_SUFFIX.search(w) and not w.endswith("ه")
                   for w in re.findall(r"\w+", question))
    refers = suffixed or _elliptic(question) or any(t in _REFERRING for t in toks)
    if not refers and mentions(question):
        return False
    # «الزيارة», "the summit": a definite event that the question does not name points back
    refers = refers or any(head_row(t) is not None and t.startswith(("ال", "وال")) for t in toks) \
        or bool(THE_HEAD.search(normalize(question)))
    return len(content) < 2 or (refers and len(content) < 4)


def conversation_entities(question: str, history: list[Turn]) -> list[str]:
    """What the conversation is about, in the follow-up's language: the
    entities of the earlier questions back to the last one that stood alone
    (most recent first), then, after a who-question, the person its answer
    names; the answer's entities only when the questions name none; and what
    happened, as a noun («غياب بوتين» for «لماذا تغيب بوتين…؟»).  Entities the
    follow-up names itself are left out.

    >>> conversation_entities('ومتى كانت الزيارة؟', [('Who did Putin meet in North Korea?', '')])
    ['بوتين', 'كوريا الشمالية']
    >>> conversation_entities('And when was the visit?', [('من سيرافق بوتين في زيارته إلى كوريا الشمالية؟', '')])
    ['Putin', 'North Korea']
    >>> lavrov = [('من سيرافق بوتين؟', 'سيرافقه وزير الخارجية الروسي سيرغي لافروف [1].')]
    >>> conversation_entities('ومتى التقى به؟', lavrov), conversation_entities('ومتى الموعد؟', lavrov)
    (['بوتين', 'وزير الخارجية الروسي'], ['بوتين'])
    >>> conversation_entities('Which base will he see?', [('متى زار بوتين قرغيزستان؟', '')])
    ["Putin's visit", 'Kyrgyzstan']
    >>> conversation_entities('ومتى زار قرغيزستان؟', [('لماذا تغيب بوتين عن قمة بريكس؟', '')])
    ['بوتين', 'قمة بريكس']
    >>> conversation_entities('وماذا قدمت روسيا في المقابل؟',
    ...                       [('What did the Pentagon accuse Moscow of?', 'اتهم البنتاغون موسكو')])
    ['البنتاغون']
    >>> conversation_entities('What about Kazakhstan?', [('متى زار بوتين قرغيزستان؟', '')])
    ["Putin's visit"]
    """
    lang = detect_language(question)
    have = {g for *_, g, _ in mentions(question)}
    chain: list[Turn] = []
    for turn in reversed(history):
        chain.append(turn)
        if not needs_context(turn[0]):
            # in «لماذا تغيب بوتين عن قمة بريكس؟ / وأي قمة أخرى لم يحضرها؟ / ومن أبلغه بذلك؟» Putin is two turns back
            break
    last_q, last_a = history[-1] if history else ("", "")
    spelled = {g: name for text in [last_a] + [q for q, _ in chain] for *_, g, name in mentions(text)
               if detect_language(name) == lang}
    # "What about Kazakhstan?" after "When did Putin visit Kyrgyzstan?": Kazakhstan takes Kyrgyzstan's place
    replaced = {is_person(g) for g in have} if _elliptic(question) else set()
    out: dict[int, str] = {}
    for q, _ in chain:
        for g, phrase in phrases(q, lang, spelled):
            if g not in have and not (g >= 0 and is_person(g) in replaced):
                out.setdefault(g, phrase)
    answered = [(g, p) for g, p in phrases(last_a, lang) if g not in have and g not in out]
    if question_kind(last_q) == "person" and _PERSON_REF & set(tokenize(question)):
        # "Who will accompany Putin?" / "When did he arrive?": the answer names the one "he" means
        # (without a "he" the answer's people were noise: «ومتى كانت الزيارة؟ — …، وزير الخارجية الروسي»)
        out.update(dict([(g, p) for g, p in answered if is_person(g)][:1]))
    if not out and not _content_words(question, history, lang):
        # the answer's names only when the questions hold nothing: after «أين ولد نجيب محفوظ؟»
        # its answer's «مصر» replaced the man the conversation is about (issue 23)
        out.update(dict(answered[:2]))
    # Only words the conversation holds (or a name it wrote in the other language): after a refused
    # «من رسم الموناليزا؟» a false name match in the refusal carried «سيول», a word from nowhere (issue 23).
    said_forms = _forms(" ".join([question] + [t for turn in history for t in turn]))
    other_script = any(detect_language(t) not in (lang, "unknown") for turn in history for t in turn if t)
    out = {g: p for g, p in out.items()
           if _forms(p) <= said_forms or _all_said(p, said_forms) or (g >= 0 and other_script)}
    # What happened, from the latest question that says it, unless the follow-up names its own event
    # with a noun («ومتى كانت الزيارة؟», «وأي قمة أخرى…»); the same event as a verb does not count:
    # «وما القاعدة التي سيزورها هناك؟» is about the visit.
    event = next((e[0] for q, _ in chain if (e := events(q))), None)
    said = events(question)  # and not after a follow-up about another event («ومتى زار قرغيزستان؟» after the absence)
    if any(re.sub(r"^(و?ال|و)", "", t) in EVENT_NOUNS for t in tokenize(question)) or (said and event not in said):
        event = None
    if event:
        ar, en = event
        person = next((g for g in out if g >= 0 and is_person(g)), None)
        if person is None:
            out[-100] = ar if lang == "ar" else en
        else:  # «زيارة بوتين», "Putin's visit"
            out[person] = f"{ar} {out[person]}" if lang == "ar" else f"{out[person]}'s {en}"
    return list(out.values())[:MAX_ENTITIES]


def _forms(text: str) -> set[str]:
    """Normalised tokens and their analysed forms, light roots left out («والموناليزا»
    holds «الموناليزا»; «السؤال» does not hold «سيول»)."""
    from .entities import _forms as word_forms

    return {f for t in tokenize(text) for f in (t, *word_forms(t))}


def _all_said(phrase: str, said: set[str]) -> bool:
    """Every word of ``phrase`` appears in the conversation (under some analysed form)."""
    from .entities import _forms as word_forms

    return all(t in said or word_forms(t) & said for t in tokenize(phrase))


def _verb_positions(toks: list[str]) -> set[int]:
    """Where a verb stands by word order: after a question word that asks
    about an act, a relative pronoun, or «أي» and its noun.

    >>> _verb_positions(tokenize('أين ولد جبران خليل جبران؟')), _verb_positions(tokenize('في أي عام توفي الشافعي؟'))
    ({1}, {3})
    >>> _verb_positions(tokenize('ما الحزب الذي يرأسه أردوغان؟')), _verb_positions(tokenize('ما مهنة شيرين؟'))
    ({3}, set())
    """
    out = {i + 1 for i, t in enumerate(toks[:-1]) if t in _BEFORE_VERB and (i == 0 or t.startswith("ال"))}
    out |= {i + 2 for i, t in enumerate(toks[:-2]) if t in _WHICH and i <= 1}
    return {i for i in out if i < len(toks) - 1}  # the last word is what the question is about


def _content_words(question: str, history: list[Turn], lang: str) -> list[str]:
    """Fallback when the conversation names no entity the names table knows:
    the earlier question's content words of the follow-up's script."""
    have = set(tokenize(question))
    words = []
    for q, _ in reversed(history):
        listed = word_list(q)
        # a verb is not the subject the follow-up carries: «ومتى هاجر إلى أمريكا؟» after
        # «أين ولد جبران خليل جبران؟» was searched with «ولد» and found the birth (issue 23)
        verbs = _verb_positions([t for _, t in listed])
        words += [w for i, (w, t) in enumerate(listed) if i not in verbs and t not in have and not is_stopword(t)
                  and t not in _REFERRING and t not in _EN_AUX and detect_language(w) == lang]
        if not needs_context(q):
            break
    return list(dict.fromkeys(words))[:MAX_ENTITIES]


def rewrite_rule(question: str, history: list[Turn]) -> str:
    """The follow-up, then what it refers to (a short phrase in its language).

    >>> rewrite_rule('ومتى حدث ذلك؟', [('لماذا تغيب بوتين عن قمة بريكس؟', '...')])
    'ومتى حدث ذلك؟ — غياب بوتين، قمة بريكس'
    >>> rewrite_rule('ومتى كانت الزيارة؟', [('Who did Putin meet in North Korea?', '...')])
    'ومتى كانت الزيارة؟ — بوتين، كوريا الشمالية'
    >>> rewrite_rule('Who will go with him?', [('لماذا تغيب بوتين عن قمة بريكس؟', '')])
    "Who will go with him? — Putin's absence, BRICS summit"
    >>> rewrite_rule('ما هي عاصمة البرازيل؟', [('ومتى كانت الزيارة؟', ''), ('Who did Putin meet in North Korea?', '')])
    'ما هي عاصمة البرازيل؟'
    """
    lang = detect_language(question)
    if not history or lang not in ("ar", "en") or not needs_context(question):
        return question
    words = conversation_entities(question, history) or _content_words(question, history, lang)
    sep = "، " if lang == "ar" else ", "
    return f"{question} — {sep.join(words)}" if words else question


def rewrite(question: str, history: list[Turn], generator: Generator | None = None,
            deadline: float | None = None) -> str:
    """LLM rewrite with an instruct model; the deterministic rule otherwise
    (base models only continue text, they do not follow this instruction).
    ``deadline`` (time.monotonic()) bounds the model's call, lock wait
    included; past it the rule answers."""
    if not history or not needs_context(question):
        return question
    if generator is not None and generator.chat:
        from .prompt import neutralise

        convo = neutralise("\n".join(f"المستخدم: {q}\nالمساعد: {a[:300]}" for q, a in history[-3:]))
        question = neutralise(question)
        messages = [
            {"role": "system", "content": REWRITE_SYSTEM},
            {"role": "user", "content": f"{convo}\n\nالسؤال الأخير: {question}"},
        ]
        try:
            out = "".join(generator.stream(messages, max_tokens=64, temperature=0.0, stop=["\n"],
                                           deadline=deadline)).strip()
            # in the question's language, or the rule below (a model answering in
            # the history's language glued English onto an Arabic question)
            if 3 <= len(out) <= 400 and detect_language(out) == detect_language(question):
                return out
        except Exception:  # the rule below is always available
            pass
    return rewrite_rule(question, history)
