"""guardrails.secrets: find() and redact(), the API the review stage uses to
redact everything it sends to a model.

Keys are assembled at run time from a prefix and a seeded random body, so
this file holds no string a secret scanner would take for a real key."""
from __future__ import annotations

import random
import string
import time

import pytest

from guardrails import secrets
from guardrails.secrets import SecretMatch, find, redact

ALNUM = string.ascii_letters + string.digits


def body(n: int, seed: int, alphabet: str = ALNUM) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(n))


def pem(label: str = "RSA PRIVATE KEY") -> str:
    lines = [body(64, 40 + i, ALNUM + "+/") for i in range(4)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----"


# (kind, the secret, a line holding it)
SECRETS = [
    ("openai-api-key", "sk-" + body(48, 1), 'openai.api_key = "{}"'),
    ("openai-api-key", "sk-proj-" + body(120, 2, ALNUM + "_-"), "OPENAI_API_KEY={}"),
    ("anthropic-api-key", "sk-ant-api03-" + body(90, 3, ALNUM + "_-"), 'client = Anthropic(api_key="{}")'),
    ("github-token", "ghp_" + body(36, 4), "GH_TOKEN: {}"),
    ("github-token", "gho_" + body(36, 5), "token={}"),
    ("github-token", "ghs_" + body(36, 6), "x = '{}'"),
    ("github-token", "ghu_" + body(36, 7), "x = '{}'"),
    ("github-token", "github_pat_" + body(22, 8) + "_" + body(59, 9), "export GITHUB_TOKEN={}"),
    ("aws-access-key-id", "AKIA" + body(16, 10, string.ascii_uppercase + string.digits), "aws_access_key_id = {}"),
    ("aws-secret-access-key", body(40, 11, ALNUM + "/+"), "aws_secret_access_key = {}"),
    ("google-api-key", "AIza" + body(35, 12, ALNUM + "_-"), 'const key = "{}";'),
    ("slack-token", "xoxb-" + body(12, 13, string.digits) + "-" + body(24, 14), "SLACK_BOT_TOKEN={}"),
    ("stripe-secret-key", "sk_live_" + body(24, 15), "stripe.api_key = '{}'"),
    ("jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9." + body(43, 16, ALNUM + "_-"), "Authorization: Bearer {}"),
    ("url-credentials", body(14, 17), 'DATABASE_URL = "postgres://app:{}@db.prod.internal:5432/app"'),
    ("password", body(10, 18) + "!7", 'db_password = "{}"'),
    ("secret", body(32, 19, "0123456789abcdef"), '{{"client_secret": "{}"}}'),
    ("token", body(24, 20), "API_TOKEN={}"),
    ("private-key", pem(), "{}"),
    ("private-key", pem("OPENSSH PRIVATE KEY"), "{}"),
]


@pytest.mark.parametrize("kind,secret,line", SECRETS, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(SECRETS)])
def test_each_kind_is_found_and_redacted(kind, secret, line):
    text = "before\n" + line.format(secret) + "\nafter\n"
    found = find(text)
    assert found == [SecretMatch(kind, text.index(secret), text.index(secret) + len(secret))]
    redacted, count = redact(text)
    assert count == 1
    assert secret not in redacted
    assert redacted == text.replace(secret, f"[REDACTED:{kind}]")


def test_several_secrets_in_one_text_are_all_replaced_in_order():
    keys = [s for _, s, _ in SECRETS[:6]]
    text = "\n".join(f"k{i} = '{k}'" for i, k in enumerate(keys))
    redacted, count = redact(text)
    assert count == 6
    assert all(k not in redacted for k in keys)
    assert [m.start for m in find(text)] == sorted(text.index(k) for k in keys)


def test_private_key_in_a_json_string_is_redacted_whole():
    key = pem("PRIVATE KEY").replace("\n", "\\n")
    text = '{"type": "service_account", "private_key": "' + key + '\\n", "client_email": "a@b.iam"}'
    redacted, count = redact(text)
    assert count == 1
    assert "MII" not in redacted and key[40:80] not in redacted
    assert redacted.endswith('"client_email": "a@b.iam"}')


def test_an_encrypted_pem_with_headers_is_redacted_to_its_end_line():
    key = pem().replace("-----\n", "-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89\n\n", 1)
    redacted, count = redact(key + "\nnext_line = 1\n")
    assert count == 1 and redacted == "[REDACTED:private-key]\nnext_line = 1\n"


PLACEHOLDERS = [
    'api_key = "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"',
    'OPENAI_API_KEY="sk-proj-<your-key-here-please-replace-with-your-own-project-key>"',
    'password = "<your-password>"',
    "token: ${{ secrets.GITHUB_TOKEN }}",
    'key = os.environ["OPENAI_API_KEY"]',
    "api_key = os.environ.get('STRIPE_SECRET_KEY')",
    'password = "changeme"',
    'secret = "aaaaaaaaaaaaaaaaaaaaaaaa"',
    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    'DATABASE_URL = "postgres://postgres:postgres@localhost:5432/app"',
    'url = "https://user:password@example.com/repo.git"',
    "SECRET_KEY = '{{ vault_secret_key }}'",
    'password: "%(db_password)s"',
    "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
    'if text.startswith("-----BEGIN PRIVATE KEY-----"):',
    # the jwt.io sample token
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5"
    "MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
]


@pytest.mark.parametrize("text", PLACEHOLDERS)
def test_placeholders_and_examples_are_not_secrets(text):
    assert find(text) == []
    assert redact(text) == (text, 0)


NEAR_MISSES = [
    'tokenizer = "bert-base-uncased-v2"',
    'token_url = "https://auth.prod.internal/oauth2/token"',
    'password_field = "password_input"',
    'TOKEN_RE = r"[A-Za-z_][A-Za-z0-9_]*"',
    'secret_name = "prod-db-password-2"',
    "token = get_token_from_vault_service()",
    "PASSWORD = settings.database.password_from_env",
    'class="sk-fading-circle-spinner-animation-wrapper"',
    "token_type = 'access_token'",
    'password = "hunter2"',  # too short to tell from a word
    "git clone https://github.com/owner/repo.git",
    "checksum = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'",
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_are_not_secrets(text):
    assert find(text) == [], find(text)


def test_a_secret_value_is_cut_at_its_quotes_and_the_name_stays():
    text = 'config = {"api_key": "' + body(32, 30) + '", "region": "eu-west-1"}'
    assert redact(text)[0] == 'config = {"api_key": "[REDACTED:secret]", "region": "eu-west-1"}'


def test_entropy():
    assert secrets.entropy("") == 0.0
    assert secrets.entropy("aaaa") == 0.0
    assert secrets.entropy("abcd") == 2.0


@pytest.mark.parametrize("text", [
    "-----BEGIN PRIVATE KEY-----" + "A" * 2_000_000,
    "password = " * 200_000,
    "token " + "a." * 1_000_000,
    ("postgres://" + "a" * 1000 + ":") * 2_000,
    "sk-" + "a" * 2_000_000,
    "eyJ" + "a" * 100_000 + ".eyJ" + "b" * 100_000,
    'x = "' + "a" * 2_000_000,
])
def test_hostile_inputs_stay_bounded(text):
    started = time.perf_counter()
    redact(text)
    assert time.perf_counter() - started < 5.0


@pytest.mark.parametrize("line", [
    'SECRET = "security/secret-in-change"',          # a rule id held in a constant
    'TOKEN = "ghs_test_token_0123456789"',           # a test fixture's fake token
    'api_key = "fake-key-for-tests-123"',
    'password_rule = "suppression/waiver-without-reason"',
])
def test_names_and_fixture_values_are_not_secrets(line):
    assert secrets.find(line) == []
