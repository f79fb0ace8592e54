"""Thunderbird's ISP database survives `mailautoconf import` and serving.

All files in data/ are imported into one provider file, which the real
responder serves over FastCGI on loopback. For every domain of every file
the autoconfig document must equal the original once whitespace, comments
and the XML declaration are normalised: the same elements, attributes and
text, with the children of an element compared in order within each tag
name. The requests name no emailaddress, so %EMAILADDRESS% and
%EMAILLOCALPART% stay. The responder replaces %EMAILDOMAIN% with the domain
it was asked for, so the original gets the same replacement first.

Where an original breaks the format, EXCEPTIONS lists what the import
changes and why. The importer must warn about exactly those files.
"""

import collections
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

import jsonschema

BINARY = os.environ["MAILAUTOCONF_BINARY"]
SOURCE = os.environ["MAILAUTOCONF_SOURCE"]
DATA = os.path.join(SOURCE, "tests", "ispdb", "data")
TEMPLATES = os.path.join(SOURCE, "templates")

sys.path.insert(0, os.path.join(SOURCE, "tests", "e2e"))
import fcgi_client  # noqa: E402

Exception_ = collections.namedtuple("Exception_",
                                    "file path action value reason")

# Paths start below clientConfig; "@name" ends a path at an attribute.
EXCEPTIONS = [
    Exception_("nili.ca.xml", "emailProvider/displayNameShort", "drop", None,
               "misspelt displayShortName; clientConfig has no such element"),
    Exception_("ipax.at.xml", "emailProvider/instruction", "drop", None,
               "instruction with descr children is no clientConfig element "
               "(instruction belongs in enable, descr in documentation)"),
    Exception_("t-online.de.xml",
               "webMail/loginPageInfo@waitForRedirectionURLPrefix", "drop",
               None, "clientConfig defines no such attribute"),
    Exception_("googlemail.com.xml", "enable", "move", "emailProvider",
               "enable belongs in emailProvider; the answer puts it there"),
    Exception_("yandex.ru.xml", "enable", "move", "emailProvider",
               "enable belongs in emailProvider; the answer puts it there"),
    Exception_("office365.com.xml", "emailProvider/incomingServer/username",
               "text", ("%EMAILADDRESS", "%EMAILADDRESS%"),
               "the ews and owa servers lack the closing '%' of "
               "%EMAILADDRESS%, which the import adds"),
    Exception_("cty-net.ne.jp.xml", "emailProvider/domain", "dedup", None,
               "the same domain is listed twice; a provider file lists "
               "each domain once"),
    Exception_("gransy.com.xml", "emailProvider/displayShortName", "drop",
               None, "25 characters, more than the 20 that clientConfig "
               "allows for displayShortName"),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find(root, path):
    """Returns (parent, element) pairs for an element path below root."""
    pairs = [(None, root)]
    for name in path.split("/"):
        pairs = [(element, child) for _, element in pairs
                 for child in element if child.tag == name]
    return pairs


def apply_exception(root, exception):
    """Changes the original as the import does; returns how often."""
    path, _, attribute = exception.path.partition("@")
    changed = 0
    seen = set()
    for parent, element in find(root, path):
        if attribute:
            changed += element.attrib.pop(attribute, None) is not None
        elif exception.action == "drop":
            parent.remove(element)
            changed += 1
        elif exception.action == "move":
            parent.remove(element)
            root.find(exception.value).append(element)
            changed += 1
        elif exception.action == "text":
            old, new = exception.value
            if element.text.strip() == old:
                element.text = new
                changed += 1
        elif exception.action == "dedup":
            key = (id(parent), collapse(element.text))
            if key in seen:
                parent.remove(element)
                changed += 1
            seen.add(key)
    return changed


def collapse(text):
    return " ".join((text or "").split())


def normalise(element, domain):
    """Returns element as (tag, attributes, text, {tag: [children]})."""
    def expand(value):
        return collapse(value).replace("%EMAILDOMAIN%", domain)

    children = collections.defaultdict(list)
    for child in element:
        children[child.tag].append(normalise(child, domain))
    return (element.tag,
            {name: expand(value) for name, value in element.attrib.items()},
            expand(element.text), dict(children))


def differences(expected, actual, path):
    """Lists the differences between two normalised elements."""
    tag, attributes, text, children = expected
    found = []
    if attributes != actual[1]:
        found.append(f"{path}: attributes {attributes} != {actual[1]}")
    if text != actual[2]:
        found.append(f"{path}: text {text!r} != {actual[2]!r}")
    for name in sorted(set(children) | set(actual[3])):
        mine, theirs = children.get(name, []), actual[3].get(name, [])
        if len(mine) != len(theirs):
            found.append(f"{path}/{name}: {len(mine)} in the original, "
                         f"{len(theirs)} served")
            continue
        for i, (a, b) in enumerate(zip(mine, theirs)):
            found += differences(a, b, f"{path}/{name}[{i}]")
    return found


def text_with_spaces(root):
    """Returns the paths of leaf elements whose text has outer spaces."""
    return [element.tag for element in root.iter()
            if len(element) == 0 and element.text is not None
            and element.text != element.text.strip()]


class RoundTripTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="mailautoconf-ispdb-")
        cls.files = sorted(name for name in os.listdir(DATA)
                           if name.endswith(".xml"))
        result = subprocess.run(
            [BINARY, "import"] + [os.path.join(DATA, f) for f in cls.files],
            capture_output=True, text=True, timeout=60)
        cls.import_status = result.returncode
        cls.warnings = result.stderr
        cls.provider = os.path.join(cls.dir.name, "provider.json")
        with open(cls.provider, "w") as file:
            file.write(result.stdout)
        cls.server = None
        if result.returncode != 0:
            return
        cls.address = ("127.0.0.1", free_port())
        cls.log = open(os.path.join(cls.dir.name, "serve.log"), "w+")
        cls.server = subprocess.Popen(
            [BINARY, "serve", "--listen", "%s:%d" % cls.address,
             "--templates", TEMPLATES, "--threads", "2", cls.provider],
            stdout=cls.log, stderr=cls.log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(cls.address, timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        if cls.server is not None:
            cls.server.terminate()
            cls.server.wait(timeout=10)
            cls.log.close()
        cls.dir.cleanup()

    def get(self, host, target):
        params = {"REQUEST_METHOD": "GET", "REQUEST_URI": target,
                  "QUERY_STRING": target.partition("?")[2],
                  "HTTP_HOST": host, "SERVER_PROTOCOL": "HTTP/1.1"}
        return fcgi_client.request(self.address, params)

    def post(self, host, target, body):
        params = {"REQUEST_METHOD": "POST", "REQUEST_URI": target,
                  "QUERY_STRING": "", "HTTP_HOST": host,
                  "CONTENT_TYPE": "text/xml",
                  "CONTENT_LENGTH": str(len(body)),
                  "SERVER_PROTOCOL": "HTTP/1.1"}
        return fcgi_client.request(self.address, params, body)

    def test_import_warns_for_exceptions_only(self):
        self.assertEqual(self.import_status, 0, self.warnings)
        warned = set()
        for line in self.warnings.splitlines():
            self.assertRegex(line, r"^[^:]+\.xml:\d+: warning: ")
            warned.add(os.path.basename(line.partition(":")[0]))
        self.assertEqual(warned, {e.file for e in EXCEPTIONS})

    def test_imported_file_matches_schema(self):
        self.assertEqual(self.import_status, 0, self.warnings)
        with open(os.path.join(SOURCE, "docs", "provider.schema.json")) as f:
            validator = jsonschema.Draft202012Validator(json.load(f))
        with open(self.provider) as f:
            errors = [f"{e.json_path}: {e.message}"
                      for e in validator.iter_errors(json.load(f))]
        self.assertEqual(errors, [])

    def test_every_domain_round_trips(self):
        self.assertEqual(self.import_status, 0, self.warnings)
        passed, failed = [], {}
        for name in self.files:
            problems = self.compare_file(name)
            if problems:
                failed[name] = problems
            else:
                passed.append(name)
        print(f"\nispdb round trip: {len(passed)} passed, {len(failed)} "
              f"failed of {len(self.files)} files", file=sys.stderr)
        for name, problems in failed.items():
            print(f"  {name}:\n    " + "\n    ".join(problems[:10]),
                  file=sys.stderr)
        self.assertEqual(list(failed), [])

    def compare_file(self, name):
        original = ET.parse(os.path.join(DATA, name)).getroot()
        for exception in EXCEPTIONS:
            if exception.file == name:
                self.assertGreater(apply_exception(original, exception), 0,
                                   f"{name}: {exception.path} not found")
        domains = dict.fromkeys(collapse(d.text)
                                for d in original.iter("domain"))
        problems = []
        for domain in domains:
            status, headers, body = self.get(
                "autoconfig." + domain, "/mail/config-v1.1.xml")
            if status != 200:
                problems.append(f"{domain}: status {status}")
                continue
            if headers.get("content-type") != "text/xml; charset=utf-8":
                problems.append(f"{domain}: {headers.get('content-type')}")
            served = ET.fromstring(body)
            problems += [f"{domain}: space around the text of <{tag}>"
                         for tag in text_with_spaces(served)]
            problems += [f"{domain}: {d}" for d in differences(
                normalise(original, domain), normalise(served, domain),
                "clientConfig")]
        return problems

    def test_autodiscover_lists_mail_servers_only(self):
        """Autodiscover names IMAP, POP3 and SMTP servers, in order."""
        self.assertEqual(self.import_status, 0, self.warnings)
        for name in self.files:
            original = ET.parse(os.path.join(DATA, name)).getroot()
            domain = collapse(original.find("emailProvider/domain").text)
            expected = [
                server.get("type").upper()
                for server in original.find("emailProvider")
                if server.tag in ("incomingServer", "outgoingServer")
                and server.get("type") in ("imap", "pop3", "smtp")]
            body = (
                '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/'
                'autodiscover/outlook/requestschema/2006"><Request>'
                f'<EMailAddress>user@{domain}</EMailAddress>'
                '<AcceptableResponseSchema>http://schemas.microsoft.com/'
                'exchange/autodiscover/outlook/responseschema/2006a'
                '</AcceptableResponseSchema></Request></Autodiscover>')
            with self.subTest(file=name):
                status, _, answer = self.post(
                    "autodiscover." + domain,
                    "/autodiscover/autodiscover.xml", body.encode())
                self.assertEqual(status, 200)
                types = [e.text for e in ET.fromstring(answer).iter()
                         if e.tag.endswith("}Type")]
                self.assertEqual(types, expected)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
