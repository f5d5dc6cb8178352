"""Times the console's pages for bench/console: signs in with the master key, then GETs each page
ROUNDS times in a row and prints a Markdown table of the median and p95 in milliseconds."""
import re
import statistics
import sys
import time

import requests

base, master_key, rounds, keys = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
session = requests.Session()
session.post(base + "/login", json={"username": "admin", "password": master_key}, timeout=30).raise_for_status()
first = session.get(base + "/ui/keys", timeout=30)
first.raise_for_status()
assert f"{keys + 2} keys" in first.text, "the page counts every key"
# Links are relative to the page's <base> (the server's root).
later = "/" + re.search(r'href="(ui/keys\?after=[^"]+)"', first.text).group(1).replace("&amp;", "&")
# A piece of one key's id: the kind of text people search for.
fragment = re.search(r'<div class="mono muted">key_([0-9a-f]{24})</div>', first.text).group(1)[4:12]
chat = session.post(
    base + "/v1/chat/completions", json={"model": "mock-gpt", "messages": [{"role": "user", "content": "hi"}]},
    headers={"authorization": f"Bearer {master_key}"}, timeout=30)
chat.raise_for_status()
request_id = chat.headers["x-gatehouse-request-id"]
pages = [
    ("keys, first page", "/ui/keys"),
    ("keys, the next page (keyset cursor)", later),
    ("keys, search for a piece of one key's id (trigram index)", "/ui/keys?q=" + fragment),
    ("keys, search for a text no alias or id holds (trigram index)", "/ui/keys?q=zzzz"),
    ("keys, search for a text every key holds (`key`: scanned in creation order)", "/ui/keys?q=key"),
    ("keys, status filter (active)", "/ui/keys?status=active"),
    ("overview (four counts)", "/ui"),
    ("teams, first page", "/ui/teams"),
    ("users, first page", "/ui/users"),
    ("models (last hour's health: one grouped query)", "/ui/models"),
    ("security (authentication health, lockouts, clients, certificates)", "/ui/security"),
    ("request explainer", "/ui/requests?id=" + request_id),
]
print(f"| page, {keys:,} keys in the store | median ms | p95 ms |")
print("|---|---|---|")
for name, path in pages:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        answer = session.get(base + path, timeout=30)
        times.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
    times.sort()
    print(f"| {name} | {statistics.median(times):.1f} | {times[int(len(times) * 0.95) - 1]:.1f} |")
