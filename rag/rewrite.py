"""Turn a follow-up question into a standalone one before retrieval."""

from __future__ import annotations

import re

from index.arabic import detect_language, normalize, tokenize
from index.lexical import is_stopword

from .generate import Generator

# Words that point back at the conversation: "he", "there", "that", "it" ...
_REFERRING = set(
    tokenize(
        "هو هي هم هما ذلك تلك هذا هذه هناك هنالك عنه عنها فيه فيها منه منها اليه اليها له لها معه "
        "ايضا كذلك وماذا ولماذا ومتى واين وكيف وكم وهل وما ومن واي وباي وفي ومع اخري الاخري اخر الاخر "
        "he she it they them his her its their there that this those these also then"
    )
)
_ASKING = set(tokenize("ما من ماذا وما ومن what who"))
_COPULA = set(tokenize("هو هي هم هما is are was were"))
_PRONOUN_SUFFIX = re.compile(r"(ه|ها|هم|هما)$")

REWRITE_SYSTEM = (
    "أعد كتابة السؤال الأخير ليكون مفهوما وحده دون المحادثة، بنفس لغته. "
    "أخرج السؤال المعاد كتابته فقط."
)


def needs_context(question: str) -> bool:
    """A short question, or a fairly short one that refers back ('ومتى حدث ذلك؟');
    a question that names enough by itself stands alone even with a 'that'.

    >>> needs_context('ومتى حدث ذلك؟'), needs_context('لماذا تغيب بوتين عن قمة بريكس؟')
    (True, False)
    >>> needs_context('لماذا غضبت موسكو من البرلمان الأرميني وما علاقة ذلك بالمحكمة الجنائية؟')
    False
    >>> needs_context('ما هي عاصمة البرازيل؟'), needs_context('ومن هو؟'), needs_context('ومع من أجرى محادثات خلالها؟')
    (False, True, True)
    """
    toks = tokenize(question)
    if len(toks) > 1 and toks[0] in _ASKING and toks[1] in _COPULA:
        toks = toks[2:]  # «ما هي عاصمة البرازيل؟»: هي is a copula here, it refers to nothing
    content = [t for t in toks if not is_stopword(t) and t not in _REFERRING]
    # «خلالها»، «يحضرها»: a pronoun suffix points back too (on the raw word:
    # normalisation turns ة into ه)
    suffixed = any(len(w) > 3 and _PRONOUN_SUFFIX.search(w) and not w.endswith("ه")
                   for w in re.findall(r"\w+", question))
    refers = suffixed or any(t in _REFERRING for t in toks)
    return len(content) < 2 or (refers and len(content) < 4)


def rewrite_rule(question: str, history: list[tuple[str, str]]) -> str:
    """Add the previous question's content words the new one lacks.

    >>> rewrite_rule('ومتى حدث ذلك؟', [('لماذا تغيب بوتين عن قمة بريكس؟', '...')])
    'ومتى حدث ذلك؟ (تغيب بوتين قمة بريكس)'
    >>> rewrite_rule('ومتى كانت الزيارة؟', [('Who did Putin meet in North Korea?', '...')])
    'ومتى كانت الزيارة؟'
    >>> rewrite_rule('ومن أبلغه بذلك؟', [('لماذا تغيب بوتين عن قمة بريكس؟', ''), ('وأي قمة أخرى لم يحضرها؟', '')])
    'ومن أبلغه بذلك؟ (قمة يحضرها تغيب بوتين بريكس)'
    """
    if not history or not needs_context(question):
        return question
    have = {normalize(t) for t in tokenize(question)}
    # The earlier questions back to the last one that stood alone: in «لماذا
    # تغيب بوتين عن قمة بريكس؟ / وأي قمة أخرى لم يحضرها؟ / ومن أبلغه بذلك؟»
    # the subject (بوتين) is two turns back.
    prev: list[str] = []
    for q, _ in reversed(history):
        prev.insert(0, q)
        if not needs_context(q):
            break
    lang = detect_language(question)
    # Words in another script than the question's would only confuse the
    # lexical side ("ومتى كانت الزيارة؟ (Putin meet North Korea)").
    words = [w for w in re.findall(r"\w+", " ".join(reversed(prev)))
             if normalize(w) not in have and not is_stopword(normalize(w)) and normalize(w) not in _REFERRING
             and detect_language(w) == lang]
    words = list(dict.fromkeys(words))
    return f"{question} ({' '.join(words)})" if words else question


def rewrite(question: str, history: list[tuple[str, str]], generator: Generator | None = None) -> str:
    """LLM rewrite with an instruct model; the deterministic rule otherwise
    (base models only continue text, they do not follow this instruction)."""
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
            out = "".join(generator.stream(messages, max_tokens=64, temperature=0.0, stop=["\n"])).strip()
            if 3 <= len(out) <= 400:
                return out
        except Exception:  # the rule below is always available
            pass
    return rewrite_rule(question, history)
