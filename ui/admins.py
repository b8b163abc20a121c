"""Who may change the articles: upload files and rebuild the index.

Both change every user's answers, so on a server shared by several logins it
is not every logged-in user's call (issue 24).  ``RAG_CHAT_ADMINS`` names
them (comma-separated login names, or ``*`` for everyone); unset, everyone
may on a one-user setup (no login, or one) and nobody may from the page when
``RAG_CHAT_USERS`` configures several (the operator still runs ``rag index
build``).  The Articles tab says which, and the /upload and /rebuild
endpoints (the page's handlers) refuse anyone else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from index.errors import RagError

from .i18n import t
from .render import esc


@dataclass(frozen=True)
class Admins:
    everyone: bool
    names: tuple[str, ...] = ()

    def may(self, user: str) -> bool:
        """Whether ``user`` may upload and rebuild.

        >>> Admins(False, ('alice',)).may('alice'), Admins(False, ('alice',)).may('bob'), Admins(True).may('')
        (True, False, True)
        """
        return self.everyone or (bool(user) and user in self.names)

    def html(self, user: str, lang: str = "ar") -> str:
        """The Articles tab's line saying who may change the articles (and whether the reader may).

        >>> ('alice' in Admins(False, ('alice',)).html('bob', 'en'),
        ...  'You are not' in Admins(False, ('a',)).html('b', 'en'))
        (True, True)
        """
        if self.everyone:
            text = t(lang, "who_all")
        elif self.names:
            text = t(lang, "who_admins", names="، ".join(self.names) if lang == "ar" else ", ".join(self.names))
            text += " " + t(lang, "who_you" if self.may(user) else "who_not_you")
        else:
            text = t(lang, "who_none")
        return f'<div class="rag-who" id="rag-who">{esc(text)}</div>'


def admins_from_env(env=None) -> Admins:
    """The setting from the environment (the logins as ui/auth.py reads them).

    >>> admins_from_env({}), admins_from_env({'RAG_CHAT_USERS': '{"a": "1", "b": "2"}'})
    (Admins(everyone=True, names=()), Admins(everyone=False, names=()))
    >>> admins_from_env({'RAG_CHAT_USERS': '{"a": "1", "b": "2"}', 'RAG_CHAT_ADMINS': 'b'}).names
    ('b',)
    """
    from .auth import _users_from_env

    env = os.environ if env is None else env
    users = set(_users_from_env(env.get("RAG_CHAT_USERS", "")))
    if env.get("RAG_CHAT_USER"):
        users.add(env["RAG_CHAT_USER"])
    raw = env.get("RAG_CHAT_ADMINS", "").strip()
    if raw == "*":
        return Admins(True)
    if not raw:
        return Admins(len(users) <= 1)
    names = tuple(dict.fromkeys(n.strip() for n in raw.split(",") if n.strip()))
    unknown = [n for n in names if n not in users]
    if unknown:
        raise RagError(f"RAG_CHAT_ADMINS names {', '.join(unknown)}, not a login of RAG_CHAT_USERS/RAG_CHAT_USER: "
                       "name existing logins (comma-separated), or * for everyone.")
    return Admins(False, names)
