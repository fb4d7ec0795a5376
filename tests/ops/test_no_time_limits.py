"""No test fails because the machine is slow (issue 20, item 5).

Waits in tests end on events (a marker line, a process exiting, a queue answering); a time limit is only
a ceiling for a hung process, and then a generous one. This reads every test module for a literal time
limit below the ceiling: ``timeout=...``, ``.wait(...)``, ``.join(...)``, ``Timer(...)``, ``.get(timeout=...)``.
"""

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
CEILING_SECONDS = 600
LIMIT = re.compile(r"(?:timeout\s*=\s*|\.wait\(\s*|\.join\(\s*|Timer\(\s*)(\d+(?:\.\d+)?)")


def test_no_wait_in_the_tests_is_shorter_than_ten_minutes() -> None:
    short = [
        f"{path.relative_to(TESTS)}:{number}: {line.strip()}"
        for path in sorted(TESTS.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for match in LIMIT.finditer(line)
        if float(match.group(1)) < CEILING_SECONDS
    ]
    assert not short, "time limits a slow machine could hit:\n" + "\n".join(short)
