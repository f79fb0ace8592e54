"""Autodiscover request forms and answers through real nginx: namespaces,
prefixes, a BOM, ActiveSync, alias redirects, Outlook options, DAV
services and both JSON forms."""

import json
import os
import shutil
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

import harness

MS = "http://schemas.microsoft.com/exchange/autodiscover/"
OUTLOOK = "{" + MS + "outlook/responseschema/2006a}"
MOBILESYNC = "{" + MS + "mobilesync/responseschema/2006}"

PROVIDER = {
    "providers": [{
        "display_name": "Corp Mail",
        "domains": ["corp.test"],
        "aliases": {"old-corp.test": "corp.test"},
        "windows_domain": "CORP",
        "ttl_hours": 24,
        "activesync_url":
            "https://eas.corp.test/Microsoft-Server-ActiveSync",
        "autodiscover_host": "autodiscover.provider.test",
        "calendar": {"url": "https://dav.corp.test/cal/%EMAILADDRESS%/"},
        "address_book": {"url": "https://dav.corp.test/card/"},
        "incoming": [{"type": "imap", "hostname": "mail.corp.test",
                      "socket_type": "STARTTLS",
                      "username": "%EMAILLOCALPART%"}],
        "outgoing": [{"hostname": "mail.corp.test",
                      "socket_type": "plain", "port": 25,
                      "authentication": ["none"]}],
    }]
}


def request_body(address, request_ns="outlook/requestschema/2006",
                 schema="outlook/responseschema/2006a", prefix="",
                 scheme="http://", bom=b""):
    p = prefix + ":" if prefix else ""
    declaration = f' xmlns:{prefix}="{scheme}schemas.microsoft.com/' \
                  f'exchange/autodiscover/{request_ns}"' if prefix else \
                  f' xmlns="{scheme}schemas.microsoft.com/exchange/' \
                  f'autodiscover/{request_ns}"'
    text = (f'<?xml version="1.0" encoding="utf-8"?>\n'
            f'<{p}Autodiscover{declaration}>\n  <{p}Request>\n'
            f'    <{p}EMailAddress>{address}</{p}EMailAddress>\n'
            f'    <{p}AcceptableResponseSchema>{scheme}schemas.microsoft.com'
            f'/exchange/autodiscover/{schema}</{p}AcceptableResponseSchema>'
            f'\n  </{p}Request>\n</{p}Autodiscover>')
    return bom + text.encode()


class AutodiscoverTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="mailautoconf-autodiscover-")
        path = os.path.join(cls.dir, "provider.json")
        with open(path, "w") as out:
            json.dump(PROVIDER, out)
        cls.stack = harness.Stack(provider=path)

    @classmethod
    def tearDownClass(cls):
        status = cls.stack.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)
        assert status == 0, f"mailautoconf exited with {status}"

    def post(self, body, content_type="text/xml"):
        headers = {"Content-Type": content_type} if content_type else {}
        response = self.stack.request(
            "POST", "/Autodiscover/Autodiscover.xml", "autodiscover.corp.test",
            headers, body)
        self.assertEqual(response.status, 200)
        self.assertEqual(response.header("Content-Type"),
                         "text/xml; charset=utf-8")
        return ET.fromstring(response.body)

    def outlook_protocols(self, root):
        account = root.find(OUTLOOK + "Response/" + OUTLOOK + "Account")
        self.assertIsNotNone(account, ET.tostring(root))
        self.assertEqual(account.findtext(OUTLOOK + "Action"), "settings")
        return [{c.tag[len(OUTLOOK):]: c.text for c in protocol}
                for protocol in account.findall(OUTLOOK + "Protocol")]

    def test_request_forms(self):
        forms = {
            "plain": request_body("alice@corp.test"),
            "prefixed": request_body("alice@corp.test", prefix="a"),
            "https namespaces": request_body("alice@corp.test",
                                             scheme="https://"),
            "byte order mark": request_body("alice@corp.test",
                                            bom=b"\xef\xbb\xbf"),
            "upper-case domain": request_body("alice@CORP.TEST"),
            "2006 schema": request_body(
                "alice@corp.test", schema="outlook/responseschema/2006"),
        }
        for name, body in forms.items():
            for content_type in ("text/xml", "application/xml", None):
                with self.subTest(form=name, content_type=content_type):
                    root = self.post(body, content_type)
                    types = [p["Type"] for p in
                             self.outlook_protocols_any(root)]
                    self.assertEqual(types,
                                     ["IMAP", "SMTP", "CalDAV", "CardDAV"])

    def outlook_protocols_any(self, root):
        # The 2006 schema answers in its own namespace.
        for response in root:
            namespace = response.tag[:response.tag.index("}") + 1]
            account = response.find(namespace + "Account")
            return [{c.tag[len(namespace):]: c.text for c in protocol}
                    for protocol in account.findall(namespace + "Protocol")]
        return []

    def test_outlook_options_and_dav(self):
        protocols = self.outlook_protocols(
            self.post(request_body("alice@corp.test")))
        imap, smtp, caldav, carddav = protocols
        self.assertEqual(imap["LoginName"], "alice")
        self.assertEqual(imap["DomainRequired"], "on")
        self.assertEqual(imap["DomainName"], "CORP")
        self.assertEqual(imap["TTL"], "24")
        self.assertEqual((imap["SSL"], imap["Encryption"]), ("on", "TLS"))
        self.assertEqual((smtp["SSL"], smtp["Encryption"]), ("off", "None"))
        self.assertEqual(smtp["AuthRequired"], "off")
        self.assertEqual(smtp["Port"], "25")
        self.assertEqual(caldav["Server"],
                         "https://dav.corp.test/cal/alice@corp.test/")
        self.assertEqual(carddav["Server"], "https://dav.corp.test/card/")

    def test_alias_redirects_to_main_address(self):
        root = self.post(request_body("bob@old-corp.test"))
        account = root.find(OUTLOOK + "Response/" + OUTLOOK + "Account")
        self.assertEqual(account.findtext(OUTLOOK + "Action"),
                         "redirectAddr")
        self.assertEqual(account.findtext(OUTLOOK + "RedirectAddr"),
                         "bob@corp.test")
        root = self.post(request_body(
            "bob@old-corp.test", "mobilesync/requestschema/2006",
            "mobilesync/responseschema/2006"))
        self.assertEqual(root.findtext(f"{MOBILESYNC}Response/{MOBILESYNC}"
                                       f"Action/{MOBILESYNC}Redirect"),
                         "bob@corp.test")

    def test_activesync_settings(self):
        root = self.post(request_body(
            "alice@corp.test", "mobilesync/requestschema/2006",
            "mobilesync/responseschema/2006"))
        server = root.find(f"{MOBILESYNC}Response/{MOBILESYNC}Action/"
                           f"{MOBILESYNC}Settings/{MOBILESYNC}Server")
        self.assertEqual(server.findtext(MOBILESYNC + "Type"), "MobileSync")
        self.assertEqual(server.findtext(MOBILESYNC + "Url"),
                         "https://eas.corp.test/Microsoft-Server-ActiveSync")
        self.assertIsNone(root.find(".//" + OUTLOOK + "Account"))

    def test_json_forms(self):
        cases = [
            ("/autodiscover/autodiscover.json?Email=alice%40corp.test"
             "&Protocol=AutodiscoverV1", 200,
             {"Protocol": "AutodiscoverV1",
              "Url": "https://autodiscover.provider.test/autodiscover/"
                     "autodiscover.xml"}),
            ("/AutoDiscover/AutoDiscover.json/v1.0/alice@corp.test"
             "?Protocol=autodiscoverv1", 200,
             {"Protocol": "AutodiscoverV1",
              "Url": "https://autodiscover.provider.test/autodiscover/"
                     "autodiscover.xml"}),
            ("/autodiscover/autodiscover.json/v1.0/alice@corp.test"
             "?Protocol=ActiveSync", 200,
             {"Protocol": "ActiveSync",
              "Url": "https://eas.corp.test/Microsoft-Server-ActiveSync"}),
            ("/autodiscover/autodiscover.json/v1.0/alice@corp.test"
             "?Protocol=Ews", 400, "InvalidProtocol"),
            ("/autodiscover/autodiscover.json/v1.0/alice@corp.test",
             400, "MandatoryParameterMissing"),
            ("/autodiscover/autodiscover.json/v1.0/alice@other.test"
             "?Protocol=AutodiscoverV1", 404, "NotFound"),
            ("/autodiscover/autodiscover.json?Email=alice"
             "&Protocol=AutodiscoverV1", 400, "InvalidEmailAddress"),
        ]
        for path, status, expected in cases:
            with self.subTest(path=path):
                response = self.stack.request("GET", path, "corp.test")
                self.assertEqual(response.status, status)
                self.assertEqual(response.header("Content-Type"),
                                 "application/json; charset=utf-8")
                body = json.loads(response.body)
                if isinstance(expected, dict):
                    self.assertEqual(body, expected)
                else:
                    self.assertEqual(body["ErrorCode"], expected)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
