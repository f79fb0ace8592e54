"""Every recorded client request, replayed through the shipped nginx
configuration over HTTP and HTTPS, gets the right answer."""

import json
import os
import sys
import unittest
import xml.etree.ElementTree as ET

import harness

AUTODISCOVER = "{http://schemas.microsoft.com/exchange/autodiscover/" \
               "responseschema/2006}"
OUTLOOK = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/" \
          "responseschema/2006a}"
MOBILESYNC = "{http://schemas.microsoft.com/exchange/autodiscover/" \
             "mobilesync/responseschema/2006}"

EXAMPLE_SERVERS = [
    ("incomingServer", "imap", "mail.example.com", "993", "SSL"),
    ("incomingServer", "pop3", "mail.example.com", "995", "SSL"),
    ("outgoingServer", "smtp", "mail.example.com", "587", "STARTTLS"),
]
EXAMPLE_PROTOCOLS = [
    ("IMAP", "mail.example.com", "993", "on", "SSL"),
    ("POP3", "mail.example.com", "995", "on", "SSL"),
    ("SMTP", "mail.example.com", "587", "on", "TLS"),
]


def client_config_servers(root):
    provider = root.find("emailProvider")
    servers = []
    for element in provider:
        if element.tag in ("incomingServer", "outgoingServer"):
            servers.append((element.tag, element.get("type"),
                            element.findtext("hostname"),
                            element.findtext("port"),
                            element.findtext("socketType"),
                            element.findtext("username"),
                            [a.text for a in element.findall(
                                "authentication")]))
    return servers


def protocols(root, namespace=OUTLOOK):
    result = []
    for protocol in root.iter(namespace + "Protocol"):
        result.append({child.tag[len(namespace):]: child.text
                       for child in protocol})
    return result


class ReplayTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.stack = harness.Stack()

    @classmethod
    def tearDownClass(cls):
        cls.status = cls.stack.stop()
        assert cls.status == 0, f"mailautoconf exited with {cls.status}"

    def check_autoconfig(self, response, username):
        self.assertEqual(response.status, 200)
        self.assertEqual(response.header("Content-Type"),
                         "text/xml; charset=utf-8")
        self.assertFalse(response.body.startswith(b"\xef\xbb\xbf"))
        root = ET.fromstring(response.body)
        self.assertEqual(root.tag, "clientConfig")
        self.assertEqual(root.get("version"), "1.1")
        provider = root.find("emailProvider")
        self.assertEqual(provider.get("id"), "example.com")
        self.assertEqual([d.text for d in provider.findall("domain")],
                         ["example.com"])
        self.assertEqual(provider.findtext("displayName"), "Example Mail")
        expected = [server + (username, ["password-cleartext"])
                    for server in EXAMPLE_SERVERS]
        self.assertEqual(client_config_servers(root), expected)

    def check_outlook(self, response, login_name):
        self.assertEqual(response.status, 200)
        self.assertEqual(response.header("Content-Type"),
                         "text/xml; charset=utf-8")
        root = ET.fromstring(response.body)
        self.assertEqual(root.tag, AUTODISCOVER + "Autodiscover")
        account = root.find(OUTLOOK + "Response/" + OUTLOOK + "Account")
        self.assertEqual(account.findtext(OUTLOOK + "AccountType"), "email")
        self.assertEqual(account.findtext(OUTLOOK + "Action"), "settings")
        found = protocols(root)
        self.assertEqual([(p["Type"], p["Server"], p["Port"], p["SSL"],
                           p["Encryption"]) for p in found],
                         EXAMPLE_PROTOCOLS)
        for protocol in found:
            self.assertEqual(protocol.get("LoginName"), login_name)
            self.assertEqual(protocol["SPA"], "off")
            self.assertEqual(protocol["DomainRequired"], "off")
            self.assertEqual(protocol["AuthRequired"], "on")
        # No prefixes: Thunderbird and Delta Chat match qualified names.
        self.assertNotIn(b"<ns0:", response.body)
        self.assertIn(b'<Autodiscover xmlns="http://schemas.microsoft.com/'
                      b'exchange/autodiscover/responseschema/2006">',
                      response.body)

    def each_transport(self, name):
        for tls in (False, True):
            with self.subTest(request=name, tls=tls):
                yield self.stack.replay(name, tls)

    def test_thunderbird_autoconfig(self):
        for name in ("thunderbird-autoconfig.http",
                     "thunderbird-autoconfig-wellknown.http"):
            for response in self.each_transport(name):
                self.check_autoconfig(response, "alice@example.com")

    def test_android_autoconfig_without_address(self):
        for response in self.each_transport(
                "android-autoconfig-no-address.http"):
            self.check_autoconfig(response, "%EMAILADDRESS%")

    def test_thunderbird_and_outlook_autodiscover(self):
        for name in ("thunderbird-autodiscover.http",
                     "outlook-autodiscover.http"):
            for response in self.each_transport(name):
                self.check_outlook(response, "alice@example.com")

    def test_delta_chat_get(self):
        for response in self.each_transport(
                "deltachat-autodiscover-get.http"):
            self.check_outlook(response, None)

    def test_activesync_without_activesync_service(self):
        for response in self.each_transport("activesync-autodiscover.http"):
            self.assertEqual(response.status, 200)
            root = ET.fromstring(response.body)
            error = root.find(MOBILESYNC + "Response/" + MOBILESYNC +
                              "Error")
            self.assertIsNotNone(error, response.body)
            self.assertEqual(error.findtext(MOBILESYNC + "ErrorCode"),
                             "601")
            self.assertRegex(error.get("Time"), r"^\d\d:\d\d:\d\d\.\d{7}$")
            self.assertRegex(error.get("Id"), r"^\d+$")

    def test_outlook_json_pointer(self):
        for response in self.each_transport("outlook-autodiscover-json.http"):
            self.assertEqual(response.status, 200)
            self.assertEqual(response.header("Content-Type"),
                             "application/json; charset=utf-8")
            self.assertEqual(json.loads(response.body), {
                "Protocol": "AutodiscoverV1",
                "Url": "https://autodiscover.example.com/autodiscover/"
                       "autodiscover.xml"})

    def test_every_request_file_is_covered(self):
        covered = {"thunderbird-autoconfig.http",
                   "thunderbird-autoconfig-wellknown.http",
                   "android-autoconfig-no-address.http",
                   "thunderbird-autodiscover.http",
                   "outlook-autodiscover.http",
                   "deltachat-autodiscover-get.http",
                   "activesync-autodiscover.http",
                   "outlook-autodiscover-json.http"}
        present = {name for name in os.listdir(harness.REQUESTS)
                   if name.endswith(".http")}
        self.assertEqual(present - covered, set())


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
