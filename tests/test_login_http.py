"""The chat's login throttling over real HTTP: a started `rag chat` with
passwords, clients from two loopback addresses (127.0.0.1 and 127.0.0.2)."""

import json
from pathlib import Path

import pytest
from conftest import ARTICLES

from rag.settings import Settings


def _login(port: int, source: str, user: str, password: str) -> int:
    import httpx

    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=30) as c:
        return c.post(f"http://127.0.0.1:{port}/login", data={"username": user, "password": password}).status_code


@pytest.mark.slow
def test_wrong_passwords_lock_out_one_client_not_every_user(built_index, tmp_path):
    """5 bad guesses a minute from anyone locked every user out (the lockout
    was global).  Now 30 wrong passwords from one client lock that client out
    (even its right password is refused), and the same user logs in from
    another address, as does another user."""
    from eval.bench.load import start_chat
    from eval.bench.memory import stop

    users = {"alice": "pw-alice", "bob": "pw-bob"}
    s = Settings(index=built_index, corpus=Path(ARTICLES))
    p, port = start_chat(s, tmp_path, env={"RAG_CHAT_USERS": json.dumps(users)}, log_name="login")
    try:
        codes = [_login(port, "127.0.0.1", "alice", f"guess{i}") for i in range(30)]
        assert set(codes) == {400}
        assert _login(port, "127.0.0.1", "alice", "pw-alice") == 400  # throttled: even the right one
        assert _login(port, "127.0.0.2", "alice", "pw-alice") == 200  # another client: not locked out
        assert _login(port, "127.0.0.2", "bob", "pw-bob") == 200
        assert _login(port, "127.0.0.2", "bob", "wrong") == 400
    finally:
        stop(p)
    log = (tmp_path / "login.log").read_text(encoding="utf-8", errors="replace")
    assert "login failed for user 'alice' from 127.0.0.1" in log and "login refused" in log


@pytest.mark.slow
def test_a_flood_of_junk_names_does_not_flush_a_lockout(built_index, tmp_path):
    """From loopback 10,001 junk user names in 12.5 s pushed alice's failure
    record out of the 10,000-entry table: her right password was accepted
    again.  The rate limit is raised here so that every junk name is a
    recorded failure; the locked record must survive the flood.  Then the
    default limit: a flood from one address is refused after its minute's
    logins, and other addresses still log in."""
    import httpx

    from eval.bench.load import start_chat
    from eval.bench.memory import stop

    users = {"alice": "pw-alice"}
    s = Settings(index=built_index, corpus=Path(ARTICLES))
    env = {"RAG_CHAT_USERS": json.dumps(users), "RAG_LOGIN_RATE_PER_MINUTE": "1000000"}
    p, port = start_chat(s, tmp_path, env=env, log_name="flood")
    try:
        assert {_login(port, "127.0.0.1", "alice", f"guess{i}") for i in range(5)} == {400}
        transport = httpx.HTTPTransport(local_address="127.0.0.1")
        with httpx.Client(transport=transport, timeout=30) as c:
            for i in range(10_001):
                c.post(f"http://127.0.0.1:{port}/login", data={"username": f"junk{i}", "password": "x"})
        assert _login(port, "127.0.0.1", "alice", "pw-alice") == 400  # still locked
        assert _login(port, "127.0.0.2", "alice", "pw-alice") == 200
    finally:
        stop(p)
    log = (tmp_path / "flood.log").read_text(encoding="utf-8", errors="replace")
    assert "login refused for user 'alice' from 127.0.0.1: locked" in log

    p, port = start_chat(s, tmp_path, env={"RAG_CHAT_USERS": json.dumps(users)}, log_name="rate")
    try:
        codes = [_login(port, "127.0.0.1", f"junk{i}", "x") for i in range(80)]
        assert set(codes) == {400}
        assert _login(port, "127.0.0.1", "alice", "pw-alice") == 400  # this address used its minute
        assert _login(port, "127.0.0.2", "alice", "pw-alice") == 200
    finally:
        stop(p)
    assert "attempts a minute from there" in (tmp_path / "rate.log").read_text(encoding="utf-8", errors="replace")
