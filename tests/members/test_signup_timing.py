"""#10.4 No account enumeration by timing: signing up with an address that already has an account does
the same work (the same password hashing) as signing up with a new one, and answers the same way."""

from __future__ import annotations

import statistics
import time

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

ROUNDS = 15


class MeasurableHasher(PBKDF2PasswordHasher):
    """Costly enough (tens of milliseconds) that a path that skips hashing stands out, cheap enough that
    the test stays short. The suite's MD5 hasher would hide the difference."""

    algorithm = "pbkdf2_sha256_measurable"
    iterations = 150_000


def signup_work(client: Client, email: str) -> tuple[float, str]:
    """CPU time this thread spent answering one signup (the database is in-process SQLite or a socket
    wait that CPU time leaves out), and where it redirected. CPU time, not wall time: other processes on
    a busy machine do not move it."""
    cache.clear()  # allauth's signup rate limit would otherwise stop the rounds
    started = time.thread_time()
    response = client.post(
        reverse("account_signup"),
        {"email": email, "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"},
    )
    elapsed = time.thread_time() - started
    return elapsed, response["Location"] if response.status_code == 302 else f"status {response.status_code}"


def test_an_existing_and_a_new_address_take_the_same_work_and_answer_alike(db, settings):
    existing = [UserFactory(email=f"taken{n}@example.com").email for n in range(ROUNDS + 1)]
    settings.PASSWORD_HASHERS = ["tests.members.test_signup_timing.MeasurableHasher"]
    client = Client()
    signup_work(client, existing[-1])  # warm up both paths (imports, templates)
    signup_work(client, "warm-up@example.com")

    taken, new, answers = [], [], set()
    for n in range(ROUNDS):  # interleaved, so drift in the machine's speed hits both alike
        elapsed, answer = signup_work(client, existing[n])
        taken.append(elapsed)
        answers.add(answer)
        elapsed, answer = signup_work(client, f"new{n}@example.com")
        new.append(elapsed)
        answers.add(answer)

    assert answers == {reverse("account_email_verification_sent")}
    taken_median, new_median = statistics.median(taken), statistics.median(new)
    ratio = max(taken_median, new_median) / min(taken_median, new_median)
    assert ratio <= 1.25, f"existing {taken_median * 1000:.0f} ms vs new {new_median * 1000:.0f} ms (x{ratio:.2f})"
