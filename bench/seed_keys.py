"""Fills a Gatehouse SQLite store with N virtual keys for the benchmark, plus one whose raw value
is printed, so the benchmark can authenticate with a key that sits among N others. Two such keys
are printed, both of a user, a team and an organization that each restrict models, so every
request walks the whole chain (key → team → organization): the first has no limits, the second
has request, token, concurrency and budget limits too high to refuse, so that its requests pass
every limiter and the budget ledger as a real deployment's would. With `--aliases`, every seeded key
has an alias of 26 bytes too (`customer-0000001 production`), as keys named for their owner do.

Usage: python3 bench/seed_keys.py STORE.sqlite COUNT [--aliases]"""
import hashlib
import secrets
import sqlite3
import string
import sys
import time

path, count = sys.argv[1], int(sys.argv[2])
aliases = "--aliases" in sys.argv[3:]
alphabet = string.digits + string.ascii_uppercase + string.ascii_lowercase
now = int(time.time() * 1000)


def row(raw, models="[]", user=None, team=None, organization=None, rpm=None, tpm=None, parallel=None, budget=None, alias=None):
    return (
        "key_" + secrets.token_hex(12), hashlib.sha256(raw.encode()).hexdigest(), "sk-…" + raw[-4:], alias, models, "{}",
        user, team, organization, budget, None, rpm, tpm, parallel, "[]", 0, None, now, now, 0.0,
    )


columns = (
    "id, hash, display, alias, models, metadata, user_id, team_id, organization_id, max_budget, budget_duration, "
    "rpm_limit, tpm_limit, max_parallel_requests, allowed_routes, blocked, expires_at_ms, created_at_ms, updated_at_ms, spend"
)
db = sqlite3.connect(path)
db.executemany(
    f"INSERT INTO gatehouse_keys ({columns}) VALUES ({', '.join('?' * 20)})",
    (
        row("sk-bench-" + "".join(secrets.choice(alphabet) for _ in range(40)), alias=f"customer-{n:07d} production" if aliases else None)
        for n in range(count)
    ),
)
# Imported-style keys (no checksum needed): long enough, starting with sk-.
known = "sk-bench-known-" + "".join(secrets.choice(alphabet) for _ in range(40))
limited = "sk-bench-limited-" + "".join(secrets.choice(alphabet) for _ in range(40))
models = '["gpt-4o-mini", "bench", "bench-*"]'
db.execute(
    "INSERT INTO gatehouse_organizations (id, alias, models, metadata, spend, created_at_ms, updated_at_ms) VALUES (?, ?, ?, '{}', 0, ?, ?)",
    ("org_bench", "bench", models, now, now),
)
db.execute(
    "INSERT INTO gatehouse_teams (id, alias, organization_id, models, metadata, blocked, spend, created_at_ms, updated_at_ms) "
    "VALUES (?, ?, ?, ?, '{}', 0, 0, ?, ?)",
    ("team_bench", "bench", "org_bench", models, now, now),
)
db.execute(
    "INSERT INTO gatehouse_users (id, role, models, metadata, spend, created_at_ms, updated_at_ms) VALUES (?, 'internal_user', ?, '{}', 0, ?, ?)",
    ("user_bench", models, now, now),
)
db.execute("INSERT INTO gatehouse_team_members (team_id, user_id, role) VALUES ('team_bench', 'user_bench', 'user')")
db.execute(f"INSERT INTO gatehouse_keys ({columns}) VALUES ({', '.join('?' * 20)})", row(known, models, "user_bench", "team_bench", "org_bench"))
db.execute(
    f"INSERT INTO gatehouse_keys ({columns}) VALUES ({', '.join('?' * 20)})",
    # Limits set high enough never to refuse, so that the limiters' and the ledger's cost is in the figure.
    row(limited, models, "user_bench", "team_bench", "org_bench", rpm=100_000_000, tpm=10_000_000_000, parallel=10_000, budget=1_000_000.0),
)
db.commit()
print(known)
print(limited)
