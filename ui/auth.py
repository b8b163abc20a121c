"""The chat's login: who may log in (auth_from_env, from RAG_CHAT_USER /
RAG_CHAT_PASSWORD / RAG_CHAT_USERS; required when not on loopback), the
constant-time check with its per-client lockout (LoginCheck), and the ASGI
middleware that records the client's address for it (ClientAddress)."""

from __future__ import annotations

import contextvars
import ipaddress
import os
import sys
import threading

from index.errors import RagError
from rag.settings import Settings


def auth_from_env(settings: Settings, share: bool = False):
    """The chat's login check, or None on loopback without credentials.  A
    non-loopback host or a public share link requires credentials."""
    user, password = os.environ.get("RAG_CHAT_USER", ""), os.environ.get("RAG_CHAT_PASSWORD", "")
    if bool(user) != bool(password):
        raise RagError("Set both RAG_CHAT_USER and RAG_CHAT_PASSWORD for a password-protected chat, or neither.")
    users = _users_from_env(os.environ.get("RAG_CHAT_USERS", ""))  # several logins, each with its own history
    if user:
        users[user] = password
    host = settings.host
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    user = user or next(iter(users), "")
    if not user and share:
        raise RagError(
            "--share publishes the chat on a public link: set RAG_CHAT_USER and RAG_CHAT_PASSWORD first (anyone "
            "with the link could read your articles and upload files).")
    if not user and not loopback:
        raise RagError(
            f"The chat would listen on {host}, reachable from other machines, without a password (anyone could "
            "read your articles and upload files). Set RAG_CHAT_USER and RAG_CHAT_PASSWORD, or use --host 127.0.0.1."
        )
    return LoginCheck(users, rate_per_minute=settings.login_rate_per_minute) if users else None


def _users_from_env(raw: str) -> dict[str, str]:
    """RAG_CHAT_USERS: a JSON object of user names and passwords (any
    characters in either), e.g. ``{"alice": "pw1", "bob": "pw2"}``.

    >>> _users_from_env('{"alice": "a:b,c", "bob": "x"}')
    {'alice': 'a:b,c', 'bob': 'x'}
    """
    if not raw.strip():
        return {}
    import json

    try:
        users = json.loads(raw)
    except ValueError:
        users = None
    if not isinstance(users, dict) or not users or not all(
            isinstance(k, str) and k and isinstance(v, str) and v for k, v in users.items()):
        raise RagError('RAG_CHAT_USERS must be a JSON object of user names and passwords, e.g. '
                       '{"alice": "password1", "bob": "password2"} (no empty names or passwords).')
    return users


# The address of the client whose request is being handled: Gradio calls the
# login check with the user name and password only.  Set by ClientAddress.
_CLIENT: "contextvars.ContextVar[str]" = contextvars.ContextVar("rag_client", default="")


class ClientAddress:
    """ASGI middleware: the connecting client's address for LoginCheck (the
    direct peer; X-Forwarded-For is not trusted, anyone can send it)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope.get("type") == "http":
            client = scope.get("client")
            _CLIENT.set(str(client[0]) if client else "")
        await self.app(scope, receive, send)


def _loopback(address: str) -> bool:
    """
    >>> _loopback("127.0.0.2"), _loopback("::1"), _loopback("10.0.0.1"), _loopback("")
    (True, True, False, True)
    """
    try:
        return not address or ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class LoginCheck:
    """Gradio's ``auth`` callable: one user (or a dict of users), compared in
    constant time, with repeated failures locked out for a while, per client:
    after ``MAX_FAILURES`` failures for one user name from one address within
    ``WINDOW_S`` (or ``MAX_ADDRESS_FAILURES`` for any names from one address
    that is not loopback)
    every attempt from there, right or wrong, is refused until the window has
    passed.  30 wrong passwords in 0.22 s were accepted before the lockout;
    then the lockout was global, so 5 bad guesses a minute from anyone locked
    every user out.  Failures are logged to the server's stderr.

    Besides, each address may try at most ``rate_per_minute`` logins a minute
    (the setting ``login_rate_per_minute``), loopback included: from loopback
    10,001 junk names in 12.5 s pushed alice's record out of the table and her
    lockout was forgotten.  The table is now bounded by time: expired records
    go first, then the oldest unlocked ones; a locked record stays until its
    window has passed."""

    MAX_FAILURES = 5
    MAX_ADDRESS_FAILURES = 20  # an address trying many names (password spraying)
    WINDOW_S = 60.0
    MAX_TRACKED = 10_000  # records kept before pruning; locked ones are never dropped early

    def __init__(self, user: str | dict[str, str], password: str = "", clock=None, rate_per_minute: int = 60):
        import time

        users = user if isinstance(user, dict) else {user: password}
        self._users = [(u.encode(), p.encode()) for u, p in users.items()]
        self._clock = clock or time.monotonic
        self._failures: dict[tuple[str, str], list[float]] = {}
        self._attempts: dict[str, list[float]] = {}  # per address: its attempts in the last minute
        self._rate = max(1, int(rate_per_minute))
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> list[float]:
        times = [t for t in self._failures.get(key, ()) if now - t < self.WINDOW_S]
        if times:
            self._failures[key] = times
        else:
            self._failures.pop(key, None)
        return times

    def _prune(self, now: float) -> None:
        """Over MAX_TRACKED records: drop the expired ones, then the oldest
        that are not locked.  Locked records stay (memory is bounded by the
        rate limit times the window, not by forgetting who is locked out)."""
        if len(self._failures) <= self.MAX_TRACKED:
            return
        for key in list(self._failures):
            self._recent(key, now)
        # down to 90 %: one scan per thousand failures, not one per failure at the cap
        spare = len(self._failures) - self.MAX_TRACKED * 9 // 10
        for key in [k for k, t in self._failures.items() if len(t) < self.MAX_FAILURES][:max(spare, 0)]:
            del self._failures[key]
        if len(self._attempts) > self.MAX_TRACKED:
            for address in [a for a, t in self._attempts.items() if not t or now - t[-1] >= 60.0]:
                del self._attempts[address]

    def _too_fast(self, client: str, now: float) -> bool:
        """True when the address has used its logins for this minute; the
        refused attempt is not counted, so a minute of quiet opens it again."""
        recent = [t for t in self._attempts.get(client, ()) if now - t < 60.0]
        if len(recent) >= self._rate:
            self._attempts[client] = recent
            return True
        recent.append(now)
        self._attempts[client] = recent
        return False

    def __call__(self, username: str, password: str, client: str | None = None) -> bool:
        import hmac

        now = self._clock()
        client = _CLIENT.get() if client is None else client
        name = str(username)[:200]
        key = (client, name)
        with self._lock:
            if self._too_fast(client, now):
                print(f"login refused for user {name[:40]!r} from {client or '?'}: more than {self._rate} "
                      "attempts a minute from there", file=sys.stderr, flush=True)
                return False
            mine = self._recent(key, now)
            # Behind --share's tunnel or a proxy on this machine every client comes from a loopback
            # address: a limit per address would lock every user out again, so there only per name.
            from_there = 0 if _loopback(client) else sum(
                len(self._recent(k, now)) for k in [k for k in self._failures if k[0] == client])
            if len(mine) >= self.MAX_FAILURES or from_there >= self.MAX_ADDRESS_FAILURES:
                print(f"login refused for user {name[:40]!r} from {client or '?'}: locked after {len(mine)} "
                      f"failed attempts ({from_there} from there) in {self.WINDOW_S:.0f} s",
                      file=sys.stderr, flush=True)
                return False
            ok = False
            for u, p in self._users:  # every user compared: the time says nothing about which names exist
                ok |= hmac.compare_digest(str(username).encode(), u) & hmac.compare_digest(str(password).encode(), p)
            if not ok:
                self._failures.setdefault(key, []).append(now)
                self._prune(now)
                print(f"login failed for user {name[:40]!r} from {client or '?'} ({len(mine) + 1} in the last "
                      f"{self.WINDOW_S:.0f} s)", file=sys.stderr, flush=True)
            return ok
