"""The real Thunderbird accepts both discovery paths with exactly the
intended servers, through nginx and mailautoconf.

Needs Thunderbird's checking tool beside the repository (or its path in
MAILAUTOCONF_THUNDERBIRD_CHECK), Debian's thunderbird package and root,
as the tool runs Thunderbird in namespaces of its own. Without them the
test exits with status 77, which ctest reports as skipped.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import harness

SKIP = 77
TOOL = os.environ.get(
    "MAILAUTOCONF_THUNDERBIRD_CHECK",
    os.path.join(harness.SOURCE, "..", "shared", "tools",
                 "thunderbird-check", "tb_autoconfig.py"))

# address -> (incoming, incoming alternatives, outgoing), each server as
# (type, hostname, port, socket type, authentication, username)
EXPECTED = {
    "alice@example.com": (
        ("imap", "mail.example.com", 993, "SSL", "passwordCleartext",
         "alice@example.com"),
        [("pop3", "mail.example.com", 995, "SSL", "passwordCleartext",
          "alice@example.com")],
        ("smtp", "mail.example.com", 587, "STARTTLS", "passwordCleartext",
         "alice@example.com"),
    ),
    "bob@example.net": (
        ("imap", "mail.example.net", 993, "SSL", "passwordCleartext",
         "bob@example.net"),
        [],
        ("smtp", "mail.example.net", 465, "SSL", "passwordCleartext",
         "bob@example.net"),
    ),
}


def server(entry):
    return (entry["type"], entry["hostname"], entry["port"],
            entry["socketType"], entry["auth"], entry["username"])


def missing_requirement():
    if not os.path.isfile(TOOL):
        return f"Thunderbird's checking tool not found at {TOOL}"
    if shutil.which("thunderbird") is None:
        return "thunderbird not installed: apt-get install thunderbird"
    if os.geteuid() != 0:
        return "the checking tool needs root for its namespaces"
    return None


class ThunderbirdTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.stack = harness.Stack()
        cls.runs = tempfile.mkdtemp(prefix="mailautoconf-thunderbird-")

    @classmethod
    def tearDownClass(cls):
        status = cls.stack.stop()
        shutil.rmtree(cls.runs, ignore_errors=True)
        assert status == 0, f"mailautoconf exited with {status}"

    def run_thunderbird(self, address):
        result_path = os.path.join(self.runs, address + ".json")
        run = subprocess.run(
            [sys.executable, TOOL, "--email", address, "--url-base",
             f"http://127.0.0.1:{self.stack.http_port}", "--paths",
             "autoconfig,autodiscover", "--strict", "--runs-dir", self.runs,
             "--json-out", result_path, "--quiet"],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(run.returncode, 0, run.stderr[-2000:])
        with open(result_path) as result:
            return json.load(result)["results"]

    def test_both_paths_for_both_domains(self):
        for address, (incoming, alternatives, outgoing) in EXPECTED.items():
            results = self.run_thunderbird(address)
            for path in ("autoconfig", "autodiscover"):
                with self.subTest(address=address, path=path):
                    result = results[path]
                    self.assertTrue(result["ok"], result)
                    config = result["config"]
                    self.assertEqual(server(config["incoming"]), incoming)
                    self.assertEqual(
                        [server(s) for s in config["incomingAlternatives"]],
                        alternatives)
                    self.assertEqual(server(config["outgoing"]), outgoing)
                    self.assertTrue(config["isComplete"])


POP3_ONLY = {
    "providers": [{
        "display_name": "POP Mail",
        "domains": ["pop.test"],
        "incoming": [{"type": "pop3", "hostname": "pop.pop.test",
                      "socket_type": "SSL"}],
        "outgoing": [{"hostname": "smtp.pop.test",
                      "socket_type": "STARTTLS"}],
    }]
}


class Pop3OnlyTest(ThunderbirdTest):
    """A provider that offers only POP3 (and no IMAP)."""

    @classmethod
    def setUpClass(cls):
        cls.runs = tempfile.mkdtemp(prefix="mailautoconf-thunderbird-")
        path = os.path.join(cls.runs, "provider.json")
        with open(path, "w") as out:
            json.dump(POP3_ONLY, out)
        cls.stack = harness.Stack(provider=path)

    def test_both_paths_for_both_domains(self):
        results = self.run_thunderbird("carol@pop.test")
        for path in ("autoconfig", "autodiscover"):
            with self.subTest(path=path):
                config = results[path]["config"]
                self.assertTrue(results[path]["ok"], results[path])
                self.assertEqual(server(config["incoming"]),
                                 ("pop3", "pop.pop.test", 995, "SSL",
                                  "passwordCleartext", "carol@pop.test"))
                self.assertEqual(config["incomingAlternatives"], [])
                self.assertEqual(server(config["outgoing"]),
                                 ("smtp", "smtp.pop.test", 587, "STARTTLS",
                                  "passwordCleartext", "carol@pop.test"))


if __name__ == "__main__":
    reason = missing_requirement()
    if reason is not None:
        print(f"skipped: {reason}")
        sys.exit(SKIP)
    unittest.main(argv=sys.argv[:1], verbosity=2)
