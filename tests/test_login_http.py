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
