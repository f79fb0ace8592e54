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
    ("schema key", ["$schema"], "./provider.schema.json", True),
    ("schema key not a string", ["$schema"], 1, False),
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
    ("host name with final dot", IMAP + ["hostname"], "mail.example.com.",
     False),
    ("autodiscover host with final dot", P0 + ["autodiscover_host"],
     "ad.example.com.", False),
    ("URL host with final dot", P0 + ["calendar"],
     {"url": "https://dav.example.com./calendars/"}, False),
    ("domain with final dot", P0 + ["domains"], ["example.com."], True),
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
    ("calendar host with punctuation", P0 + ["calendar"],
     {"url": "https://a;b(c/dav/"}, False),
    ("calendar with userinfo", P0 + ["calendar"],
     {"url": "https://user@cal.example.com/"}, False),
    ("calendar host with placeholder", P0 + ["calendar"],
     {"url": "https://cal.%EMAILDOMAIN%:8443/dav/"}, True),
    ("calendar host with address", P0 + ["calendar"],
     {"url": "https://%EMAILADDRESS%/dav/"}, False),
    ("calendar host as IPv4 address", P0 + ["calendar"],
     {"url": "https://192.0.2.1/dav/"}, True),
    ("calendar host as IPv6 address", P0 + ["calendar"],
     {"url": "https://[2001:db8::1]/dav/"}, False),
    ("activesync host with underscore", P0 + ["activesync_url"],
     "https://eas_1.example.com/Microsoft-Server-ActiveSync", False),
    ("windows domain with space", P0 + ["windows_domain"], "A B", False),
    ("alias", P0 + ["aliases"], {"example.info": "example.com"}, True),
    ("signing without key", ["profile_signing"],
     {"certificate": "cert.pem"}, False),
    ("provider id", P0 + ["id"], "OXCloud-EU", True),
    ("provider id with placeholder", P0 + ["id"], "%EMAILDOMAIN%", False),
    ("provider id with space", P0 + ["id"], "a b", False),
    ("list all domains", P0 + ["list_all_domains"], True, True),
    ("list all domains as string", P0 + ["list_all_domains"], "yes", False),
    ("domain with U-labels", P0 + ["domains"], ["b\u00fccher.example"], True),
    ("host name with U-labels", IMAP + ["hostname"], "mail.b\u00fccher.example",
     False),
    ("exchange server only", P0 + ["incoming"],
     [{"type": "exchange", "hostname": "mail.example.com", "port": 443,
       "socket_type": "SSL", "owa_url": "https://mail.example.com/owa/",
       "ews_url": "https://mail.example.com/EWS/Exchange.asmx",
       "eas_url": "https://mail.example.com/Microsoft-Server-ActiveSync"}],
     False),
    ("exchange after imap", P0 + ["incoming", 1],
     {"type": "exchange", "hostname": "mail.example.com",
      "socket_type": "SSL", "owa_url": "https://mail.example.com/owa/"},
     True),
    ("owa url on imap", IMAP + ["owa_url"], "https://mail.example.com/owa/",
     False),
    ("URL type server", P0 + ["incoming", 1],
     {"type": "graph", "url": "https://graph.example.com/",
      "authentication": ["OAuth2"]}, True),
    ("URL type without url", P0 + ["incoming", 1],
     {"type": "ews", "authentication": ["OAuth2"]}, False),
    ("URL type with hostname", P0 + ["incoming", 1],
     {"type": "jmap", "url": "https://jmap.example.com/",
      "hostname": "jmap.example.com"}, False),
    ("url on imap", IMAP + ["url"], "https://imap.example.com/", False),
    ("unknown incoming type", IMAP + ["type"], "nntp", False),
    ("pop3 options", P0 + ["incoming", 1],
     {"type": "pop3", "hostname": "pop.example.com", "socket_type": "SSL",
      "pop3": {"leave_messages_on_server": False, "download_on_biff": True,
               "days_to_leave_messages_on_server": 14,
               "check_interval_minutes": 15}}, True),
    ("pop3 options on imap", IMAP + ["pop3"],
     {"leave_messages_on_server": True}, False),
    ("pop3 option as string", P0 + ["incoming", 1],
     {"type": "pop3", "hostname": "pop.example.com", "socket_type": "SSL",
      "pop3": {"leave_messages_on_server": "true"}}, False),
    ("check interval zero", P0 + ["incoming", 1],
     {"type": "pop3", "hostname": "pop.example.com", "socket_type": "SSL",
      "pop3": {"check_interval_minutes": 0}}, False),
    ("global preferred server", IMAP + ["use_global_preferred_server"], True,
     True),
    ("outgoing restriction", SMTP + ["restriction"], "client-IP-address",
     True),
    ("other restriction", SMTP + ["restriction"], "none", False),
    ("add this server", SMTP + ["add_this_server"], True, True),
    ("add this server incoming", IMAP + ["add_this_server"], True, False),
    ("documentation", P0 + ["documentation"],
     [{"url": "https://example.com/help?page=%28mail%29",
       "descriptions": [{"lang": "pt-BR", "text": "Ajuda"},
                        {"text": "Help"}]}], True),
    ("documentation without url", P0 + ["documentation"],
     [{"descriptions": [{"text": "Help"}]}], False),
    ("description without text", P0 + ["documentation"],
     [{"url": "https://example.com/", "descriptions": [{"lang": "en"}]}],
     False),
    ("invalid language tag", P0 + ["documentation"],
     [{"url": "https://example.com/",
       "descriptions": [{"lang": "en_US", "text": "Help"}]}], False),
    ("enable", P0 + ["enable"],
     {"visit_url": "https://example.com/settings?a=1&b=2",
      "instructions": [{"lang": "de", "text": "IMAP einschalten"}]}, True),
    ("enable without visit url", P0 + ["enable"],
     {"instructions": [{"text": "Switch on IMAP"}]}, False),
    ("webmail", P0 + ["webmail"],
     {"login_page": "https://webmail.example.com/",
      "login_page_info": {"url": "https://webmail.example.com/login",
                          "username": "%EMAILADDRESS%",
                          "username_field": {"id": "user", "name": "u"},
                          "password_field": {"name": "p"},
                          "login_button": {}}}, True),
    ("webmail empty", P0 + ["webmail"], {}, False),
    ("webmail form without url", P0 + ["webmail"],
     {"login_page_info": {"username": "%EMAILADDRESS%"}}, False),
    ("form field with class", P0 + ["webmail"],
     {"login_page_info": {"url": "https://webmail.example.com/",
                          "login_button": {"class": "x"}}}, False),
    ("oauth2", P0 + ["oauth2"],
     {"issuer": "accounts.example.com", "scope": "mail offline_access",
      "auth_url": "https://accounts.example.com/auth",
      "token_url": "https://accounts.example.com/token"}, True),
    ("oauth2 over http", P0 + ["oauth2"],
     {"issuer": "accounts.example.com", "scope": "mail",
      "auth_url": "http://accounts.example.com/auth",
      "token_url": "https://accounts.example.com/token"}, False),
    ("oauth2 without scope", P0 + ["oauth2"],
     {"issuer": "accounts.example.com",
      "auth_url": "https://accounts.example.com/auth",
      "token_url": "https://accounts.example.com/token"}, False),
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
        result = subprocess.run([BINARY, "check", "--templates",
                                 os.path.join(SOURCE, "templates"), path],
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
