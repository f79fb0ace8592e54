"""The JSON Schema for editors and mailautoconf's own checks agree.

Each case is a provider file; the schema and `mailautoconf check` must
both accept it or both reject it.
"""

import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest

import jsonschema

BINARY = os.environ["MAILAUTOCONF_BINARY"]
SOURCE = os.environ["MAILAUTOCONF_SOURCE"]
SCHEMA_PATH = os.path.join(SOURCE, "docs", "provider.schema.json")
EXAMPLE_PATH = os.path.join(SOURCE, "examples", "provider.json")


def load(path):
    with open(path) as file:
        return json.load(file)


def set_path(document, path, value):
    *parents, last = path
    for key in parents:
        document = document[key]
    if value is DELETE:
        del document[last]
    else:
        document[last] = value


DELETE = object()
P0 = ["providers", 0]
IMAP = P0 + ["incoming", 0]
SMTP = P0 + ["outgoing", 0]

# (name, path, value, valid)
CASES = [
    ("example as shipped", None, None, True),
    ("port missing uses default", IMAP + ["port"], DELETE, True),
    ("port zero", IMAP + ["port"], 0, False),
    ("port too large", IMAP + ["port"], 65536, False),
    ("port as string", IMAP + ["port"], "993", False),
    ("socket type lower case", IMAP + ["socket_type"], "ssl", False),
    ("incoming type smtp", IMAP + ["type"], "smtp", False),
    ("incoming type missing", IMAP + ["type"], DELETE, False),
    ("outgoing type imap", SMTP + ["type"], "imap", False),
    ("outgoing type missing", SMTP + ["type"], DELETE, True),
    ("unknown server key", IMAP + ["sockettype"], "SSL", False),
    ("unknown provider key", P0 + ["domain"], "example.com", False),
    ("unknown top-level key", ["provider"], [], False),
    ("empty domains", P0 + ["domains"], [], False),
    ("invalid domain", P0 + ["domains"], ["exa mple.com"], False),
    ("hyphen-led label", P0 + ["domains"], ["-x.example.com"], False),
    ("unknown placeholder", IMAP + ["username"], "%EMAIL%", False),
    ("local part username", IMAP + ["username"], "%EMAILLOCALPART%", True),
    ("address in host name", IMAP + ["hostname"], "%EMAILADDRESS%", False),
    ("domain in host name", IMAP + ["hostname"], "imap.%EMAILDOMAIN%", True),
    ("unknown method", IMAP + ["authentication"], ["password"], False),
    ("methods repeated", IMAP + ["authentication"],
     ["OAuth2", "OAuth2"], False),
    ("oauth then password", IMAP + ["authentication"],
     ["OAuth2", "password-cleartext"], True),
    ("display name too long", P0 + ["display_name"], "x" * 61, False),
    ("display name of 60", P0 + ["display_name"], "x" * 60, True),
    ("control character", P0 + ["display_name"], "a\u0001b", False),
    ("activesync over http", P0 + ["activesync_url"],
     "http://eas.example.com/Microsoft-Server-ActiveSync", False),
    ("activesync over https", P0 + ["activesync_url"],
     "https://eas.example.com/Microsoft-Server-ActiveSync", True),
    ("ttl zero", P0 + ["ttl_hours"], 0, False),
    ("ttl one day", P0 + ["ttl_hours"], 24, True),
    ("calendar without url", P0 + ["calendar"], {"username": "x"}, False),
    ("calendar", P0 + ["calendar"],
     {"url": "https://dav.example.com/cal/%EMAILADDRESS%/"}, True),
    ("windows domain with space", P0 + ["windows_domain"], "A B", False),
    ("alias", P0 + ["aliases"], {"example.info": "example.com"}, True),
    ("signing without key", ["profile_signing"],
     {"certificate": "cert.pem"}, False),
]


class SchemaTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        schema = load(SCHEMA_PATH)
        jsonschema.Draft202012Validator.check_schema(schema)
        cls.validator = jsonschema.Draft202012Validator(schema)
        cls.dir = tempfile.TemporaryDirectory(prefix="mailautoconf-schema-")

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def check_accepts(self, document):
        path = os.path.join(self.dir.name, "provider.json")
        with open(path, "w") as file:
            json.dump(document, file)
        result = subprocess.run([BINARY, "check", path],
                                capture_output=True, text=True)
        return result.returncode == 0, result.stdout + result.stderr

    def test_examples_are_valid(self):
        examples = os.path.join(SOURCE, "examples")
        for name in sorted(os.listdir(examples)):
            if name.endswith(".json"):
                with self.subTest(example=name):
                    errors = list(self.validator.iter_errors(
                        load(os.path.join(examples, name))))
                    self.assertEqual([e.message for e in errors], [])

    def test_schema_and_check_agree(self):
        for name, path, value, valid in CASES:
            with self.subTest(case=name):
                document = load(EXAMPLE_PATH)
                if path is not None:
                    set_path(document, path, value if value is DELETE
                             else copy.deepcopy(value))
                schema_ok = self.validator.is_valid(document)
                check_ok, output = self.check_accepts(document)
                self.assertEqual(schema_ok, valid, "schema")
                self.assertEqual(check_ok, valid, "check: " + output)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
