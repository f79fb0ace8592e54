"""Behaviour through real nginx: routing, methods, limits, hostile input,
keep-alive connections and the request log."""

import concurrent.futures
import json
import os
import shutil
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

import harness

OUTLOOK = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/" \
          "responseschema/2006a}"
AUTODISCOVER_NS = "{http://schemas.microsoft.com/exchange/autodiscover/" \
                  "responseschema/2006}"


def pox(address, schema="http://schemas.microsoft.com/exchange/"
        "autodiscover/outlook/responseschema/2006a"):
    return ('<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns='
            '"http://schemas.microsoft.com/exchange/autodiscover/outlook/'
            'requestschema/2006"><Request><EMailAddress>' + address +
            '</EMailAddress><AcceptableResponseSchema>' + schema +
            '</AcceptableResponseSchema></Request></Autodiscover>'
            ).encode()


class NginxTest(harness.StackTest):

    def get(self, path, host="example.com", headers=None, tls=False):
        return self.stack.request("GET", path, host, headers, tls=tls)

    def test_paths_in_any_letter_case(self):
        cases = [
            ("GET", "/mail/config-v1.1.xml", 200),
            ("GET", "/MAIL/Config-V1.1.XML", 200),
            ("GET", "/.well-known/autoconfig/mail/config-v1.1.xml", 200),
            ("GET", "/.Well-Known/AutoConfig/Mail/config-v1.1.xml", 200),
            ("GET", "/v1.1/mail/config-v1.1.xml", 200),
            ("GET", "/autodiscover/autodiscover.xml", 200),
            ("GET", "/Autodiscover/Autodiscover.xml", 200),
            ("GET", "/AUTODISCOVER/AUTODISCOVER.XML", 200),
            ("GET", "/mail/config-v1.1.xml.bak", 404),
            ("GET", "/mail/", 404),
            ("GET", "/index.html", 404),
            ("GET", "/autodiscover/autodiscover.xml/../../etc/passwd", 404),
        ]
        for method, path, status in cases:
            with self.subTest(path=path):
                response = self.stack.request(method, path,
                                              "autoconfig.example.com")
                self.assertEqual(response.status, status)

    def test_methods(self):
        cases = [
            ("POST", "/mail/config-v1.1.xml", 405, "GET, HEAD"),
            ("PUT", "/mail/config-v1.1.xml", 405, "GET, HEAD"),
            ("DELETE", "/autodiscover/autodiscover.xml", 405,
             "GET, HEAD, POST"),
            ("OPTIONS", "/autodiscover/autodiscover.json?Email=a%40"
             "example.com&Protocol=AutodiscoverV1", 405, "GET, HEAD"),
        ]
        for method, path, status, allow in cases:
            with self.subTest(method=method, path=path):
                response = self.stack.request(method, path)
                self.assertEqual(response.status, status)
                self.assertEqual(response.header("Allow"), allow)

    def test_head_has_headers_and_no_body(self):
        path = "/mail/config-v1.1.xml?emailaddress=alice%40example.com"
        full = self.get(path)
        head = self.stack.request("HEAD", path)
        self.assertEqual(head.status, 200)
        self.assertEqual(head.header("Content-Type"),
                         "text/xml; charset=utf-8")
        self.assertEqual(head.body, b"")
        self.assertGreater(len(full.body), 0)

    def test_autoconfig_statuses(self):
        cases = [
            ("?emailaddress=alice%40example.com", 200),
            ("?emailaddress=alice%40EXAMPLE.COM", 200),
            ("?emailaddress=a%2Bb%40example.com", 200),
            ("?emailaddress=a+b@example.com", 200),
            ("?emailaddress=alice%40example.com&other=1", 200),
            ("?emailaddress=alice%40unknown.test", 404),
            ("?emailaddress=alice", 400),
            ("?emailaddress=", 400),
            ("?emailaddress=alice%2540example.com", 400),
            ("?emailaddress=a%40example.com&emailaddress=b%40example.com",
             400),
            ("?emailaddress=%zz", 400),
        ]
        for query, status in cases:
            with self.subTest(query=query):
                response = self.get("/mail/config-v1.1.xml" + query)
                self.assertEqual(response.status, status)
                if status != 200:
                    self.assertTrue(response.header(
                        "Content-Type").startswith("text/plain"))

    def test_host_header_selects_domain(self):
        cases = [
            ("autoconfig.example.net", 200, "example.net"),
            ("AutoConfig.Example.Net:8080", 200, "example.net"),
            ("example.org", 200, "example.org"),
            ("autoconfig.unknown.test", 404, None),
        ]
        for host, status, domain in cases:
            with self.subTest(host=host):
                response = self.get("/mail/config-v1.1.xml", host)
                self.assertEqual(response.status, status)
                if domain:
                    root = ET.fromstring(response.body)
                    provider = root.find("emailProvider")
                    self.assertEqual(provider.get("id"), domain)
                    self.assertEqual(
                        provider.find("incomingServer").findtext(
                            "hostname"), "mail." + domain)

    def test_second_domain_uses_host_name_template(self):
        response = self.get("/mail/config-v1.1.xml?emailaddress=bob%40"
                            "example.org")
        root = ET.fromstring(response.body)
        servers = [(s.findtext("hostname"), s.findtext("port"),
                    s.findtext("username"))
                   for s in root.iter() if s.tag.endswith("Server")]
        self.assertEqual(servers, [("mail.example.org", "993",
                                    "bob@example.org"),
                                   ("mail.example.org", "465",
                                    "bob@example.org")])

    def test_autodiscover_errors(self):
        doctype = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol '
                   b'"lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
                   b'<Autodiscover><Request><EMailAddress>&lol2;'
                   b'</EMailAddress></Request></Autodiscover>')
        external = (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM '
                    b'"file:///etc/passwd">]><Autodiscover><Request>'
                    b'<EMailAddress>&x;</EMailAddress></Request>'
                    b'</Autodiscover>')
        cases = [
            ("empty body", b"", "600"),
            ("not XML", b"hello", "600"),
            ("unknown domain", pox("alice@unknown.test"), "500"),
            ("invalid address", pox("alice"), "600"),
            ("empty address", pox(""), "600"),
            ("only LegacyDN", b"<Autodiscover><Request><LegacyDN>/o=x"
             b"</LegacyDN></Request></Autodiscover>", "600"),
            ("billion laughs", doctype, "600"),
            ("external entity", external, "600"),
            ("unknown schema", pox("alice@example.com", "urn:x"), "601"),
        ]
        for name, body, code in cases:
            with self.subTest(case=name):
                response = self.stack.request(
                    "POST", "/autodiscover/autodiscover.xml",
                    "autodiscover.example.com",
                    {"Content-Type": "text/xml"}, body)
                self.assertEqual(response.status, 200)
                self.assertEqual(response.header("Content-Type"),
                                 "text/xml; charset=utf-8")
                self.assertEqual(harness.error_code(response.body), code)
                self.assertNotIn(b"root:", response.body)

    def test_body_over_64_kib_gets_413(self):
        body = pox("alice@example.com") + b" " * (64 * 1024)
        response = self.stack.request(
            "POST", "/autodiscover/autodiscover.xml",
            "autodiscover.example.com", {"Content-Type": "text/xml"}, body)
        self.assertEqual(response.status, 413)

    def test_hostile_input_is_never_reflected(self):
        script = "%3Cscript%3Ealert(1)%3C%2Fscript%3E"
        cases = [
            ("GET", "/mail/config-v1.1.xml?emailaddress=" + script +
             "%40example.com", "example.com", b""),
            ("GET", "/mail/config-v1.1.xml?emailaddress=a%22%27%26%40"
             "example.com", "example.com", b""),
            ("GET", "/mail/config-v1.1.xml", "<script>.example.com", b""),
            ("GET", "/mail/config-v1.1.xml?x=<script>", "example.com", b""),
            ("GET", "/autodiscover/autodiscover.json/v1.0/<script>@"
             "example.com?Protocol=AutodiscoverV1", "example.com", b""),
            ("GET", "/autodiscover/autodiscover.json?Email=a%40example.com"
             "&Protocol=%3Cscript%3E", "example.com", b""),
            ("POST", "/autodiscover/autodiscover.xml", "example.com",
             pox("&lt;script&gt;@example.com")),
            ("POST", "/autodiscover/autodiscover.xml", "example.com",
             pox("a@example.com", "&lt;script&gt;")),
        ]
        for method, path, host, body in cases:
            with self.subTest(path=path, host=host, body=body[:40]):
                response = self.stack.request(method, path, host, body=body)
                self.assertNotIn(b"<script", response.body.lower())
                kind = response.header("Content-Type") or ""
                if kind.startswith("text/xml"):
                    ET.fromstring(response.body)
                elif kind.startswith("application/json"):
                    json.loads(response.body)
        # The process still serves after all of the above.
        self.assertEqual(self.get("/mail/config-v1.1.xml",
                                  "example.com").status, 200)

    def test_found_by_breaking(self):
        # U+FFFE is valid UTF-8 but no XML character.
        response = self.get("/mail/config-v1.1.xml?emailaddress=%EF%BF%BEx"
                            "%40example.com")
        self.assertEqual(response.status, 400)
        response = self.get("/mail/" + "a" * 2100)
        self.assertEqual(response.status, 404)
        response = self.get("/autodiscover/autodiscover.json/" + "a" * 2100)
        self.assertEqual(response.status, 414)
        before = len(self.stack.log_lines())
        self.get("/autodiscover/autodiscover.json/v1.0/carol@example.com"
                 "?Protocol=AutodiscoverV1")
        line = self.stack.log_lines()[before]
        self.assertIn("path='/autodiscover/autodiscover.json/'", line)
        self.assertNotIn("carol", line)

    def test_https(self):
        response = self.get("/mail/config-v1.1.xml?emailaddress=alice%40"
                            "example.com", tls=True)
        self.assertEqual(response.status, 200)

    def test_concurrent_requests_on_kept_connections(self):
        paths = ["/mail/config-v1.1.xml?emailaddress=u%d%%40example.com" % i
                 for i in range(400)]
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(lambda p: self.get(p).status, paths))
        self.assertEqual(statuses, [200] * len(paths))

    def test_log_line_per_request(self):
        secret = "c2VjcmV0LXBhc3N3b3JkLTQ3MTE="
        before = len(self.stack.log_lines())
        self.get("/mail/config-v1.1.xml?emailaddress=alice%40example.com",
                 headers={"Authorization": "Basic " + secret})
        self.stack.request("POST", "/autodiscover/autodiscover.xml",
                           "autodiscover.example.com",
                           {"Authorization": "Basic " + secret},
                           pox("alice@unknown.test"))
        lines = self.stack.log_lines()[before:]
        self.assertEqual(len(lines), 2, lines)
        self.assertRegex(
            lines[0],
            r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ mailautoconf: method=GET "
            r"path='/mail/config-v1\.1\.xml' status=200 "
            r"domain='example\.com' bytes=\d+ duration_us=\d+$")
        self.assertRegex(
            lines[1],
            r"method=POST path='/autodiscover/autodiscover\.xml' "
            r"status=200 domain='unknown\.test' bytes=\d+ "
            r"error='no provider serves this domain' duration_us=\d+$")
        log = self.stack.log_bytes()
        self.assertNotIn(secret.encode(), log)
        self.assertNotIn(b"alice%40", log)


class SigningTest(unittest.TestCase):
    """A signed Apple profile through nginx, checked with openssl cms."""

    def test_signed_profile(self):
        import plistlib
        import subprocess
        work = tempfile.mkdtemp(prefix="mailautoconf-profile-")
        self.addCleanup(shutil.rmtree, work, ignore_errors=True)
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-days", "2", "-subj", "/CN=profiles.example.com",
             "-keyout", os.path.join(work, "key.pem"),
             "-out", os.path.join(work, "cert.pem")],
            check=True, capture_output=True)
        with open(harness.EXAMPLE) as example:
            provider = json.load(example)
        provider["profile_signing"] = {"certificate": "cert.pem",
                                       "key": "key.pem"}
        path = os.path.join(work, "provider.json")
        with open(path, "w") as out:
            json.dump(provider, out)
        stack = harness.Stack(provider=path)
        try:
            path = "/email.mobileconfig?emailaddress=alice%40example.com"
            first = stack.request("GET", path)
            second = stack.request("GET", path)
            missing = stack.request("GET", "/email.mobileconfig")
        finally:
            self.assertEqual(stack.stop(), 0)
        self.assertEqual(first.status, 200)
        self.assertEqual(first.header("Content-Type"),
                         "application/x-apple-aspen-config")
        self.assertEqual(first.header("Content-Disposition"),
                         'attachment; filename="example.com.mobileconfig"')
        self.assertEqual(missing.status, 400)
        der = os.path.join(work, "profile.der")
        with open(der, "wb") as out:
            out.write(first.body)
        verified = subprocess.run(
            ["openssl", "cms", "-verify", "-inform", "DER", "-in", der,
             "-CAfile", os.path.join(work, "cert.pem")],
            capture_output=True)
        self.assertEqual(verified.returncode, 0, verified.stderr)
        profile = plistlib.loads(verified.stdout)
        self.assertEqual(profile["PayloadType"], "Configuration")
        mail = profile["PayloadContent"][0]
        self.assertEqual(mail["PayloadType"], "com.apple.mail.managed")
        self.assertEqual(mail["EmailAccountType"], "EmailTypeIMAP")
        self.assertEqual(mail["IncomingMailServerHostName"],
                         "mail.example.com")
        self.assertEqual(mail["IncomingMailServerPortNumber"], 993)
        self.assertIs(mail["IncomingMailServerUseSSL"], True)
        self.assertEqual(mail["OutgoingMailServerPortNumber"], 587)
        self.assertEqual(mail["IncomingMailServerUsername"],
                         "alice@example.com")
        self.assertEqual(mail["IncomingMailServerAuthentication"],
                         "EmailAuthPassword")
        # Deterministic identifiers: a second download replaces the first.
        again = subprocess.run(
            ["openssl", "cms", "-verify", "-inform", "DER", "-noverify"],
            input=second.body, capture_output=True)
        second_profile = plistlib.loads(again.stdout)
        self.assertEqual(second_profile["PayloadUUID"],
                         profile["PayloadUUID"])
        self.assertEqual(second_profile["PayloadIdentifier"],
                         profile["PayloadIdentifier"])


def get_with_example(test, change, paths):
    """Serves the example provider file after change(provider) and returns
    the responses to GET requests for paths."""
    work = tempfile.mkdtemp(prefix="mailautoconf-profile-")
    test.addCleanup(shutil.rmtree, work, ignore_errors=True)
    with open(harness.EXAMPLE) as example:
        provider = json.load(example)
    change(provider)
    path = os.path.join(work, "provider.json")
    with open(path, "w") as out:
        json.dump(provider, out)
    stack = harness.Stack(provider=path)
    try:
        return [stack.request("GET", request_path) for request_path in paths]
    finally:
        test.assertEqual(stack.stop(), 0)


class ProfileAuthenticationTest(unittest.TestCase):
    """A profile names the first method that Apple's Mail payload can
    express, and EmailAuthPassword when it can express none."""

    def test_profile_skips_methods_apple_lacks(self):
        import plistlib

        def change(provider):
            mail, hosting = provider["providers"]
            mail["incoming"][0]["authentication"] = ["OAuth2",
                                                     "password-encrypted"]
            mail["outgoing"][0]["authentication"] = [
                "OAuth2", "TLS-client-cert", "NTLM"]
            hosting["incoming"][0]["authentication"] = ["GSSAPI", "OAuth2"]
            hosting["outgoing"][0]["authentication"] = ["OAuth2",
                                                        "client-IP-address"]

        responses = get_with_example(self, change, [
            "/email.mobileconfig?emailaddress=alice%40example.com",
            "/email.mobileconfig?emailaddress=alice%40example.net"])

        for response in responses:
            self.assertEqual(response.status, 200)
        com, net = (plistlib.loads(response.body)["PayloadContent"][0]
                    for response in responses)
        self.assertEqual(com["IncomingMailServerAuthentication"],
                         "EmailAuthCRAMMD5")
        self.assertEqual(com["OutgoingMailServerAuthentication"],
                         "EmailAuthNTLM")
        self.assertEqual(net["IncomingMailServerAuthentication"],
                         "EmailAuthPassword")
        self.assertEqual(net["OutgoingMailServerAuthentication"],
                         "EmailAuthNone")


class AliasProfileTest(unittest.TestCase):
    """An Apple profile for an alias address logs in at the main domain."""

    def test_alias_profile_uses_main_domain(self):
        import plistlib
        response, = get_with_example(
            self,
            lambda provider: provider["providers"][1].__setitem__(
                "aliases", {"example.info": "example.net"}),
            ["/email.mobileconfig?emailaddress=bob%40example.info"])
        self.assertEqual(response.status, 200)
        profile = plistlib.loads(response.body)
        mail = profile["PayloadContent"][0]
        self.assertEqual(mail["EmailAddress"], "bob@example.info")
        self.assertEqual(mail["IncomingMailServerUsername"],
                         "bob@example.net")
        self.assertEqual(mail["IncomingMailServerHostName"],
                         "mail.example.net")
        self.assertEqual(mail["OutgoingMailServerHostName"],
                         "mail.example.net")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
