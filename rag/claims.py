"""Does a piece of evidence say what an answer sentence says?  Checks the
citation checker (rag/cite.py) runs on top of word overlap: the same statement
with the opposite polarity (``contradicts``: «لم يحضر» against «حضر», an
antonym «غاب», "did not attend", another month — rag/stances.py), two articles
that disagree (``opposite``, ``opposed``: in any word order), and a person
given another's title (``binds``)."""

from __future__ import annotations

import re

from index.arabic import light_stem, normalize, skeleton, tokenize
from index.lexical import DEFAULT_ANALYZER, analyze, is_stopword

from .roles import mentions
from .stances import content, months, other_month, stance_of, stances, window, window_text, words
from .synonyms import implied, is_person, named, person_group


_NEGATORS = frozenset(normalize(w) for w in (
    "لم لن لا ليس ليست ليسوا غير عدم not never no didn't doesn't don't won't isn't wasn't cannot".split()))


def _core(word: str) -> str:
    """A verb's letters without a leading conjunction, its imperfect prefix and
    long vowels, so «يحضر», «وحضر» and «حضر» compare equal.

    >>> _core('يحضر') == _core('وحضر') == _core('حضر')
    True
    """
    from index.arabic import light_stem, skeleton

    w = light_stem(normalize(word))
    if len(w) >= 4 and w[0] in "وف":
        w = w[1:]
    if len(w) >= 4 and w[0] in "يتنا":
        w = w[1:]
    return skeleton(w).lower()


def _negated_words(text: str) -> tuple[list[str], list[bool]]:
    """The words, and which of them are negators (with a conjunction: «ولم»)."""
    words = re.findall(r"[\w']+", normalize(text).lower())
    return words, [w in _NEGATORS or (w[:1] in "وف" and w[1:] in _NEGATORS) for w in words]


def _polarity(text: str) -> tuple[set[str], set[str]]:
    words, negator = _negated_words(text)
    neg, pos = set(), set()
    for i, w in enumerate(words):
        if negator[i] or stance_of(w):  # antonym-class words: ``_against``, where «لم يستطع حضور» is a denial
            continue
        core = _core(w)
        if len(core) >= 3:
            (neg if i and negator[i - 1] else pos).add(core)
    return neg, pos


def _polar_pairs(text: str) -> set[tuple[str, str, str, bool]]:
    """(word, the next two content words, negated) for every word: a verb with
    what follows it (its subject or object)."""
    words, negator = _negated_words(text)
    cores = [None if negator[i] else _core(w) for i, w in enumerate(words)]
    content = [bool(c) and len(c) >= 3 and not is_stopword(words[i]) for i, c in enumerate(cores)]
    out = set()
    for i, core in enumerate(cores):
        if not content[i] or stance_of(words[i]):  # antonym-class verbs: ``opposed`` compares their arguments
            continue
        nxt = [cores[j] for j in range(i + 1, len(words)) if content[j]][:2]
        if len(nxt) == 2:
            out.add((core, nxt[0], nxt[1], bool(i and negator[i - 1])))
    return out


def opposite(a: str, b: str) -> bool:
    """Do two sentences state the same thing with opposite polarity: the same
    word followed by the same two content words, negated in one only?  Stricter than
    ``contradicts`` (which any negated word trips): two articles are said to
    disagree only on this.

    >>> opposite('لم يحضر بوتين قمة بريكس.', 'حضر بوتين قمة بريكس في جوهانسبرغ.')
    True
    >>> opposite('وهي ليست دولة موقعة على نظام روما.', 'قيرغيزستان دولة موقعة على نظام روما.')
    True
    >>> opposite('وهي ليست دولة موقعة على نظام روما.', 'لم تصدق الدولة على نظام روما.')
    False
    >>> opposite('لم يحضر بوتين قمة بريكس.', 'حضر الرئيس قمة العشرين.')
    False
    >>> opposite('لم يستطع حضور قمة بريكس.', 'أبلغ أنه لن يحضر قمة مجموعة العشرين.')
    False

    In any word order, with an antonym or a negation that does not sit right
    before the verb (``opposed``), or another month for the same event (``other_month``):

    >>> opposite('ولم يحضر بوتين قمة بريكس في جنوب أفريقيا.', 'بوتين حضر قمة بريكس في جنوب أفريقيا.')
    True
    >>> opposite('ولم يحضر بوتين قمة بريكس في جنوب أفريقيا.', 'وشارك بوتين شخصياً في قمة بريكس في جنوب أفريقيا.')
    True
    """
    pa, pb = _polar_pairs(a), _polar_pairs(b)
    return any((w, n1, n2, not neg) in pb for w, n1, n2, neg in pa) or opposed(a, b) or other_month(a, b)


_SHARED_ARGS = 2  # content words the two stances share around them (subject, object)
# … and the words around one stance are nearly all in the other sentence:
# «لم يحضر بوتين قمة بريكس» against «حضوره قمة رابطة الدول» shares «بوتين، قمة», not the event.
_COVERED = 0.75
# … or each stance has three of its words in the other sentence (a long subject: «الرئيس الروسي فلاديمير بوتين»).
_SHARED_CLAIM = 3


def _polar(text: str) -> dict[str, tuple[int, int]]:
    """Per stance stated one way only in the text: (polarity, position)."""
    seen: dict[str, set[int]] = {}
    at: dict[str, int] = {}
    for key, pol, i in stances(text):
        seen.setdefault(key, set()).add(pol)
        at.setdefault(key, i)
    return {k: (next(iter(p)), at[k]) for k, p in seen.items() if len(p) == 1}


# Stances with two sides, one of which wins: the winner's win is the other's loss.  Which side is
# which is read from the word after the stance's preposition («فاز X على Y», «خسر Y أمام X», "won
# against", "lost to"): "Real Madrid beat Barcelona" against "Barcelona lost to Real Madrid" was a
# reported disagreement.
RECIPROCAL = frozenset(("win",))
_AGAINST = frozenset(normalize(w) for w in "على امام ضد مع against over to by".split())


def _other_side(text: str, at: int) -> set[str]:
    """The stems of the (up to three) content words after the stance's preposition.

    >>> sorted(_other_side('فاز ريال مدريد على برشلونة في النهائي', 0))
    ['برشلن']
    """
    ws = words(text)
    for k in range(at + 1, min(len(ws), at + 6)):
        if ws[k] in _AGAINST:
            side = []
            for w in ws[k + 1:k + 4]:  # the name right after it, up to the next small word
                if is_stopword(w) or len(w) <= 2 or w in _AGAINST:
                    break
                side.append(skeleton(light_stem(w)))
            return set(side)
    return set()


def _swapped(a: str, i: int, b: str, j: int) -> bool:
    """Do the two sentences name each other's other side (the same two sides, roles swapped)?

    >>> _swapped('فاز ريال مدريد على برشلونة', 0, 'خسر برشلونة أمام ريال مدريد', 0)
    True
    >>> _swapped('فاز ريال مدريد على برشلونة', 0, 'خسر ريال مدريد أمام برشلونة', 0)
    False
    """
    oa, ob = _other_side(a, i), _other_side(b, j)
    return bool(oa & content(b)) and bool(ob & content(a)) and not oa & ob


def opposed(a: str, b: str) -> bool:
    """Do two sentences take opposite stances (an antonym, or a negation) on
    the same thing, whatever the word order: the content words around each
    stance word (its subject and object) are largely the same?

    >>> opposed('غاب بوتين عن قمة بريكس في جوهانسبرغ.', 'بوتين حضر قمة بريكس في جوهانسبرغ.')
    True
    >>> opposed('لم يحضر بوتين قمة بريكس.', 'وشهدت زيارة بوتين إلى بيشكيك حضوره قمة رابطة الدول المستقلة.')
    False
    >>> opposed('Putin skipped the BRICS summit in South Africa.', 'Putin attended the BRICS summit in South Africa.')
    True
    >>> opposed('Putin attended the BRICS summit in South Africa.',
    ...         'ولم يحضر بوتين قمة بريكس التي استضافتها جنوب أفريقيا.')
    True
    """
    pa, pb = _polar(a), _polar(b)
    for key, (pol, i) in pa.items():
        if key in pb and pb[key][0] == -pol:
            if key in RECIPROCAL and _swapped(a, i, b, pb[key][1]):
                continue  # «فاز ريال مدريد على برشلونة» and «خسر برشلونة أمام ريال مدريد» say one thing
            wa, wb = window(a, i), window(b, pb[key][1])
            ca, cb = content(a), content(b)
            covered = max(len(wa & cb) / max(1, len(wa)), len(wb & ca) / max(1, len(wb)))
            if len(wa & wb) >= _SHARED_ARGS and covered >= _COVERED:
                return True
            if min(len(wa & cb), len(wb & ca)) >= _SHARED_CLAIM:  # «لم يغب الرئيس الروسي فلاديمير بوتين عن…»
                return True
            if _same_names(a, i, b, pb[key][1]):  # an English article against an Arabic one
                return True
    return False


def _same_names(a: str, i: int, b: str, j: int) -> bool:
    """Do the two stances name the same two or more people, states and
    institutions (under any of their names, Arabic or English) around them?

    >>> _same_names('Putin attended the BRICS summit in South Africa.', 2, 'لم يستطع بوتين حضور قمة بريكس.', 3)
    True
    """
    na = named(analyze(window_text(a, i), DEFAULT_ANALYZER), DEFAULT_ANALYZER)
    nb = named(analyze(window_text(b, j), DEFAULT_ANALYZER), DEFAULT_ANALYZER)
    small, big = sorted((na, nb), key=len)
    return len(small) >= 2 and small <= big


def contradicts(sentence: str, evidence: str) -> bool:
    """Does the sentence assert what the evidence denies, or deny what it
    asserts (the same verb, negated on one side only)?

    >>> contradicts('حضر بوتين قمة بريكس.', 'ولم يحضر بوتين قمة بريكس في جنوب أفريقيا.')
    True
    >>> contradicts('غاب بوتين عن قمة بريكس.', 'لم يحضر بوتين قمة بريكس.')
    False
    >>> contradicts('لم يحضر بوتين القمة.', 'لم يحضر بوتين قمة بريكس.')
    False
    >>> s = 'وهي ليست دولة موقعة على نظام روما الذي يلزم الدول بالتعاون.'
    >>> contradicts(s, s)
    False

    An antonym, a negation further from its verb, another month:

    >>> (contradicts('غاب بوتين عن قمة بريكس.', 'حضر بوتين قمة بريكس.'),
    ...  contradicts('Putin attended the summit.', 'Putin did not attend the summit.'))
    (True, True)
    >>> contradicts('لم يحضر بوتين قمة بريكس في أغسطس.', 'لم يحضر بوتين قمة بريكس في يوليو.')
    True
    """
    if _against(sentence, evidence):
        return True
    s_neg, s_pos = _polarity(sentence)
    e_neg, e_pos = _polarity(evidence)
    # a word a text states both ways («ليست دولة موقعة… يُلزم الدول») has no polarity there:
    # counted, a sentence contradicted itself, and a verbatim article sentence was "unsupported"
    s_neg, s_pos, e_neg, e_pos = s_neg - s_pos, s_pos - s_neg, e_neg - e_pos, e_pos - e_neg
    return bool(s_pos & e_neg or s_neg & e_pos)


def _against(sentence: str, evidence: str) -> bool:
    """An antonym stance, or other months, on shared content (two words or more)."""
    if len(content(sentence) & content(evidence)) < _SHARED_ARGS:
        return False
    ps, pe = _polar(sentence), _polar(evidence)
    if any(k in pe and pe[k][0] == -p for k, (p, _) in ps.items()):
        return True
    ms, me = months(sentence), months(evidence)
    return bool(ms and me and not ms & me)


_TITLE = 4  # words before a person's name that say who they are: «رئيس قرغيزستان هو [إلهام] علييف»


def _titles(text: str, analyzer: str) -> dict[int, list[frozenset[int]]]:
    """Per person named in ``text`` (a GROUPS number): at each mention, the
    states, places and institutions named in the words just before the name,
    except those the person's own title names («الرئيس الروسي»: Russia)."""
    words = tokenize(text)
    out: dict[int, list[frozenset[int]]] = {}
    for p, at, _ in mentions(text, analyzer):
        person = person_group(p)
        before = named(analyze(" ".join(words[max(0, at - _TITLE): at]), analyzer), analyzer)
        out.setdefault(person, []).append(frozenset(
            g for g in before if not is_person(g) and not implied(person, g, analyzer)))
    return out


def titles_given(sentence: str, analyzer: str = DEFAULT_ANALYZER) -> dict[int, frozenset[int]]:
    """Per person of an answer sentence, the states and institutions it names
    just before that person's name (what ``gives`` looks for in the evidence)."""
    wanted = {p: frozenset().union(*titles) for p, titles in _titles(sentence, analyzer).items()}
    return {p: t for p, t in wanted.items() if t}


def gives(wanted: dict[int, frozenset[int]], evidence: str, analyzer: str = DEFAULT_ANALYZER) -> bool:
    """Does the evidence name each person beside the titles ``wanted`` gives them?"""
    if not wanted:
        return True
    found = _titles(evidence, analyzer)
    return all(any(t <= got for got in found.get(p, [])) for p, t in wanted.items())


def binds(sentence: str, evidence: str, analyzer: str = DEFAULT_ANALYZER) -> bool:
    """Does the evidence give each person of the answer sentence the title the
    sentence gives them (the state or institution named just before the name)?

    Why: a generated «رئيس قرغيزستان، إلهام علييف» took its new words (the
    name) from «سيجري الرئيس الروسي في قرغيزستان محادثات … مع نظيره الأذربيجاني
    إلهام علييف» and was shown as checked (a browser review): every word is in
    that sentence, but Kyrgyzstan is where Putin talks, not Aliyev's title.

    >>> ev = 'سيجري الرئيس الروسي في قرغيزستان محادثات ثنائية مع نظيره الأذربيجاني إلهام علييف، في أول لقاء.'
    >>> binds('رئيس قرغيزستان، إلهام علييف', ev), binds('سيلتقي بوتين علييف في قرغيزستان', ev)
    (False, True)
    >>> binds('زار الرئيس الروسي بوتين قرغيزستان', 'وصل الرئيس الروسي فلاديمير بوتين إلى قيرغيزستان أمس.')
    True
    """
    return gives(titles_given(sentence, analyzer), evidence, analyzer)


def names_beyond(sentence: str, evidence: str, analyzer: str = DEFAULT_ANALYZER,
                 said: frozenset[int] | None = None) -> bool:
    """Does the sentence name a state, institution, summit or person that the
    evidence does not name under any of its names (a state also by its nisba)?

    Why: the checker does not count the question's own words as new, so a
    generated «لم يحضر بوتين قمة مجموعة العشرين في الهند [4]» was kept with
    the evidence «…ولهذا السبب، لم يحضر بوتين قمة مجموعة البريكس … جنوب
    أفريقيا»: the G20 and India came from the question (eval q087, generative).

    >>> ev = 'ولهذا السبب، لم يحضر بوتين قمة مجموعة البريكس التي استضافتها جنوب أفريقيا.'
    >>> (names_beyond('لم يحضر بوتين قمة مجموعة العشرين في الهند', ev),
    ...  names_beyond('غاب الرئيس الروسي عن قمة بريكس', ev))
    (True, False)
    >>> names_beyond('رئيس قرغيزستان هو صدر جباروف', 'التقى بوتين الرئيس القيرغيزي صدر جباروف')
    False
    """
    from .nations import states_named
    from .synonyms import GROUPS

    have = named(analyze(evidence, analyzer), analyzer)
    if said is None:  # the checker passes the sentence's names, found once, not per passage sentence
        said = named(analyze(sentence, analyzer), analyzer)
    extra = said - have
    if not extra:
        return False
    by_nisba = states_named(evidence)
    people = [p for p in have if is_person(p)]  # «بوتين» names Russia through his title «الرئيس الروسي»
    return any(GROUPS[g][0] not in by_nisba and not any(implied(p, g, analyzer) for p in people) for g in extra)
