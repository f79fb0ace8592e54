"""Hostile input through real nginx: deep nesting, invalid UTF-8, NUL
bytes, injection attempts, very long headers and paths, path traversal and
forged Host headers. Every request gets a well-formed response that
contains no input unescaped, mailautoconf logs one line for each request
that reaches it, and it keeps serving throughout."""

import json
import sys
import unittest
import xml.etree.ElementTree as ET

import harness

MARK = b"zq7mark"
OUTLOOK_REQUEST = ("http://schemas.microsoft.com/exchange/autodiscover/"
                   "outlook/requestschema/2006")
OUTLOOK_RESPONSE = ("http://schemas.microsoft.com/exchange/autodiscover/"
                    "outlook/responseschema/2006a")


def pox_body(address_bytes, inner=b""):
    return (b'<Autodiscover xmlns="' + OUTLOOK_REQUEST.encode() +
            b'"><Request>' + inner + b"<EMailAddress>" + address_bytes +
            b"</EMailAddress><AcceptableResponseSchema>" +
            OUTLOOK_RESPONSE.encode() +
            b"</AcceptableResponseSchema></Request></Autodiscover>")


class HostileTest(harness.StackTest):

    def raw(self, request):
        """Sends bytes as they are; returns the response and the log lines
        mailautoconf wrote meanwhile."""
        before = len(self.stack.log_lines())
        response = self.stack.send(request)
        # mailautoconf writes its log line before it ends the response.
        return response, self.stack.log_lines()[before:]

    def send(self, method, path, host="example.com", headers=None,
             body=b""):
        return self.raw(harness.build_request(method, path, host, headers,
                                              body))

    def assert_well_formed(self, response, reached, lines):
        """Checks that the body parses as its Content-Type, contains no
        markup or marker, and that mailautoconf logged once if reached."""
        kind = response.header("Content-Type") or ""
        if kind.startswith("text/xml"):
            ET.fromstring(response.body)
        elif kind.startswith("application/json"):
            json.loads(response.body)
        body = response.body.lower()
        self.assertNotIn(b"<script", body)
        self.assertNotIn(b"root:x:", body)
        self.assertNotIn(MARK, response.body)
        for name, value in response.headers.items():
            self.assertNotIn(MARK.decode(), name + value)
        self.assertEqual(len(lines), 1 if reached else 0, lines)
        for line in lines:
            self.assertRegex(line, r"^\S+ mailautoconf: method=")
            self.assertNotIn("\r", line)
            self.assertTrue(all(c >= " " for c in line), repr(line))

    def assert_still_serving(self):
        response = self.stack.request(
            "GET", "/mail/config-v1.1.xml?emailaddress=alice%40example.com")
        self.assertEqual(response.status, 200)

    def test_deep_nesting(self):
        # 20,000 levels need 140 KiB: nginx rejects them before mailautoconf.
        for depth, status in ((1000, 200), (9000, 200), (20000, 413)):
            with self.subTest(depth=depth):
                inner = b"<x>" * depth + b"</x>" * depth
                response, lines = self.send(
                    "POST", "/autodiscover/autodiscover.xml",
                    body=pox_body(b"alice@example.com", inner))
                self.assertEqual(response.status, status)
                if status == 200:
                    # Unknown elements are skipped, the address is found.
                    self.assertIsNone(harness.error_code(response.body))
                self.assert_well_formed(response, status == 200, lines)
        # Nesting without a single known element.
        body = b"<a>" * 9000 + b"</a>" * 9000
        response, lines = self.send("POST", "/autodiscover/autodiscover.xml",
                                    body=body)
        self.assertEqual(response.status, 200)
        self.assertEqual(harness.error_code(response.body), "600")
        self.assert_well_formed(response, True, lines)
        self.assert_still_serving()

    def test_invalid_utf8(self):
        cases = [
            ("GET", b"/mail/config-v1.1.xml?emailaddress=%C3%28%40"
             b"example.com", b"example.com", b"", 400),
            ("GET", b"/mail/config-v1.1.xml?emailaddress=\xff\xfe%40"
             b"example.com", b"example.com", b"", 400),
            ("GET", b"/mail/config-v1.1.xml?emailaddress=%ED%A0%80%40"
             b"example.com", b"example.com", b"", 400),
            ("GET", b"/mail/config-v1.1.xml?emailaddress=%C0%AE%40"
             b"example.com", b"example.com", b"", 400),
            ("GET", b"/mail/config-v1.1.xml", b"\xc3\x28.example.com", b"",
             400),
            ("GET", b"/email.mobileconfig?emailaddress=%FF%40example.com",
             b"example.com", b"", 400),
            ("GET", b"/autodiscover/autodiscover.json/v1.0/%FF%40example"
             b".com?Protocol=AutodiscoverV1", b"example.com", b"", 400),
            ("POST", b"/autodiscover/autodiscover.xml", b"example.com",
             pox_body(b"\xff@example.com"), 200),
            ("POST", b"/autodiscover/autodiscover.xml", b"example.com",
             b'<?xml version="1.0" encoding="utf-8"?>' +
             pox_body(b"al\xc3ice@example.com"), 200),
        ]
        for method, path, host, body, status in cases:
            with self.subTest(path=path, host=host, body=body[-80:]):
                request = (method.encode() + b" " + path + b" HTTP/1.1\r\n"
                           b"Host: " + host + b"\r\nContent-Length: " +
                           str(len(body)).encode() +
                           b"\r\nConnection: close\r\n\r\n" + body)
                response, lines = self.raw(request)
                self.assertEqual(response.status, status)
                if method == "POST":
                    self.assertEqual(harness.error_code(response.body), "600")
                self.assert_well_formed(response, True, lines)
        self.assert_still_serving()

    def test_nul_bytes(self):
        cases = [
            # Decoded NUL in the address: mailautoconf rejects it.
            ("/mail/config-v1.1.xml?emailaddress=alice%00%40example.com",
             b"", True, {400}),
            ("/mail/config-v1.1.xml?emailaddress=alice%40example.com%00"
             ".evil.test", b"", True, {400}),
            ("/autodiscover/autodiscover.json?Email=a%00%40example.com"
             "&Protocol=AutodiscoverV1", b"", True, {400}),
            # A NUL inside the path: nginx rejects it before mailautoconf.
            ("/mail/config-v1.1.xml%00.php", b"", False, {400}),
        ]
        for path, body, reached, statuses in cases:
            with self.subTest(path=path):
                response, lines = self.send("GET", path)
                self.assertIn(response.status, statuses)
                self.assert_well_formed(response, reached, lines)
        # Raw NUL bytes in the XML body are not XML.
        for body in (pox_body(b"alice\x00@example.com"),
                     b"\x00" * 100,
                     pox_body(b"alice@example.com") + b"\x00"):
            with self.subTest(body=body[:60]):
                response, lines = self.send(
                    "POST", "/autodiscover/autodiscover.xml", body=body)
                self.assertEqual(response.status, 200)
                self.assertEqual(harness.error_code(response.body), "600")
                self.assert_well_formed(response, True, lines)
        # A raw NUL in a header line: nginx rejects the request.
        response, lines = self.raw(
            b"GET /mail/config-v1.1.xml HTTP/1.1\r\nHost: example.com\r\n"
            b"X-Test: a\x00b\r\nConnection: close\r\n\r\n")
        self.assertEqual(response.status, 400)
        self.assert_well_formed(response, False, lines)
        self.assert_still_serving()

    def test_injection_attempts(self):
        mark = MARK.decode()
        cases = [
            # Header and log injection through the address.
            ("GET", "/mail/config-v1.1.xml?emailaddress=a%0d%0aSet-Cookie:"
             f"%20{mark}%40example.com", "example.com", b"", {400}),
            ("GET", f"/mail/config-v1.1.xml?emailaddress=a%0a{mark}"
             "%20method=GET%40example.com", "example.com", b"", {400}),
            # XML injection through the address.
            ("GET", "/mail/config-v1.1.xml?emailaddress=%3C" + mark +
             "%2F%3E%40example.com", "example.com", b"", {400}),
            ("GET", "/mail/config-v1.1.xml?emailaddress=a%22%20x%3D%22" +
             mark + "%40example.com", "example.com", b"", {400}),
            # JSON injection through the address and the protocol.
            ("GET", "/autodiscover/autodiscover.json?Email=a%22%2C%22Url"
             f"%22%3A%22http%3A%2F%2F{mark}%40example.com"
             "&Protocol=AutodiscoverV1", "example.com", b"", {400}),
            ("GET", "/autodiscover/autodiscover.json?Email=a%40example.com"
             f"&Protocol=%22%7D{mark}", "example.com", b"", {400}),
            # The Host header, with markup, quotes and a port.
            ("GET", "/mail/config-v1.1.xml", f"{mark}<a>.example.com",
             b"", {400, 404}),
            ("GET", "/mail/config-v1.1.xml", f'"{mark}".example.com:80',
             b"", {400, 404}),
            # Query parameters we do not know are ignored, not echoed.
            ("GET", "/mail/config-v1.1.xml?emailaddress=alice%40example.com"
             f"&{mark}=%3Cscript%3E", "example.com", b"", {200}),
            # Markup in the POX address and schema.
            ("POST", "/autodiscover/autodiscover.xml", "example.com",
             pox_body(b"&lt;" + MARK + b"&gt;@example.com"), {200}),
            ("POST", "/autodiscover/autodiscover.xml", "example.com",
             pox_body(b"alice@example.com").replace(
                 OUTLOOK_RESPONSE.encode(), b"&lt;" + MARK + b"/&gt;"),
             {200}),
        ]
        for method, path, host, body, statuses in cases:
            with self.subTest(path=path, host=host):
                response, lines = self.send(method, path, host, body=body)
                self.assertIn(response.status, statuses)
                self.assertIsNone(response.header("Set-Cookie"))
                # nginx passes each of these on to mailautoconf.
                self.assert_well_formed(response, True, lines)
                for line in lines:
                    self.assertNotIn(mark + " method", line)
        self.assert_still_serving()

    def test_long_headers_and_paths(self):
        # Under nginx's limits the request reaches mailautoconf.
        response, lines = self.send(
            "GET", "/mail/config-v1.1.xml?emailaddress=alice%40example.com",
            headers={"Cookie": "c=" + "x" * 7000})
        self.assertEqual(response.status, 200)
        self.assert_well_formed(response, True, lines)
        many = {f"X-Header-{i}": "y" * 40 for i in range(400)}
        response, lines = self.send(
            "GET", "/mail/config-v1.1.xml?emailaddress=alice%40example.com",
            headers=many)
        self.assertEqual(response.status, 200)
        self.assert_well_formed(response, True, lines)

        # Above them nginx rejects the request itself.
        response, lines = self.send(
            "GET", "/mail/config-v1.1.xml",
            headers={"Cookie": "c=" + "x" * 20000})
        self.assertEqual(response.status, 400)
        self.assert_well_formed(response, False, lines)
        response, lines = self.send("GET", "/mail/config-v1.1.xml",
                                    host="a" * 10000 + ".example.com")
        self.assertEqual(response.status, 400)
        self.assert_well_formed(response, False, lines)

        # Long paths and queries that nginx passes on get a status from
        # mailautoconf.
        for path, status in (
                ("/mail/config-v1.1.xml?emailaddress=" + "a" * 6000 +
                 "%40example.com", 400),
                ("/mail/config-v1.1.xml?x=" + "a" * 6000 +
                 "&emailaddress=alice%40example.com", 200),
                ("/autodiscover/autodiscover.json/v1.0/" + "a" * 6000 +
                 "%40example.com?Protocol=AutodiscoverV1", 414)):
            with self.subTest(path=path[:60], status=status):
                response, lines = self.send("GET", path)
                self.assertEqual(response.status, status)
                self.assert_well_formed(response, True, lines)
        response, lines = self.send("GET", "/mail/config-v1.1.xml?x=" +
                                    "a" * 20000)
        self.assertEqual(response.status, 414)
        self.assert_well_formed(response, False, lines)
        self.assert_still_serving()

    def test_path_traversal(self):
        paths = [
            "/mail/../../../../etc/passwd",
            "/mail/config-v1.1.xml/../../../etc/passwd",
            "/mail/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
            "/.well-known/autoconfig/mail/..%2f..%2f..%2fetc%2fpasswd",
            "/mail/config-v1.1.xml%2f..%2f..%2fetc%2fpasswd",
            "/autodiscover/autodiscover.json/v1.0/..%2f..%2fetc%2fpasswd"
            "?Protocol=AutodiscoverV1",
            "/mail/config-v1.1.xml?emailaddress=..%2f..%2fetc%2fpasswd",
            "/email.mobileconfig?emailaddress=alice%40..%2fetc%2fpasswd",
        ]
        for path in paths:
            with self.subTest(path=path):
                response, lines = self.send("GET", path)
                self.assertIn(response.status, {400, 404})
                self.assertNotIn(b"root:", response.body)
                self.assert_well_formed(response, len(lines) == 1, lines)
        response, lines = self.send(
            "POST", "/autodiscover/autodiscover.xml",
            body=pox_body(b"alice@../../etc/passwd"))
        self.assertEqual(harness.error_code(response.body), "600")
        self.assert_well_formed(response, True, lines)
        self.assert_still_serving()

    def test_newline_in_json_path(self):
        # nginx decodes %0a before it matches locations, so the JSON
        # location must let its "." match a newline too.
        response, lines = self.send(
            "GET", "/autodiscover/autodiscover.json/v1.0/a%40example.com"
            "%0aX?Protocol=AutodiscoverV1")
        self.assertEqual(response.status, 400)
        self.assertTrue(response.headers["content-type"].startswith(
            "application/json"))
        self.assertEqual(json.loads(response.body)["ErrorCode"],
                         "InvalidEmailAddress")
        self.assert_well_formed(response, True, lines)
        self.assert_still_serving()

    def test_json_address_stays_out_of_log(self):
        # Every spelling of the JSON endpoint that mailautoconf routes.
        for path in ("/autodiscover/autodiscover.json/v1.0/",
                     "/autodiscover/autodiscover%2Ejson/v1.0/",
                     "/autodiscover/autodiscover.json%2Fv1.0/",
                     "/autodiscover/autodiscover%2ejson%2fv1.0%2f",
                     "/Autodiscover/AUTODISCOVER.JSON/v1.0/"):
            with self.subTest(path=path):
                response, lines = self.send(
                    "GET", path + "secret.user%40example.com"
                    "?Protocol=AutodiscoverV1")
                self.assertEqual(response.status, 200)
                self.assert_well_formed(response, True, lines)
                self.assertNotIn("secret", lines[0])
                self.assertIn(" status=200 ", lines[0])
        self.assert_still_serving()

    def test_forged_host_header(self):
        # Only domains of the provider file are served, and no host name in
        # a response comes from the Host header.
        for host, status in (
                ("evil.test", 404), ("autoconfig.evil.test", 404),
                ("example.com.evil.test", 404), ("evil.test.", 404),
                ("example.net@evil.test", 400), ("mail.%EMAILDOMAIN%", 400),
                ("[::1]", 400), ("127.0.0.1", 404), ("autoconfig.", 404)):
            with self.subTest(host=host):
                response, lines = self.send("GET", "/mail/config-v1.1.xml",
                                            host=host)
                self.assertEqual(response.status, status)
                self.assertNotIn(b"evil", response.body)
                self.assert_well_formed(response, True, lines)
        # The address decides over the Host header.
        response, lines = self.send(
            "GET", "/mail/config-v1.1.xml?emailaddress=bob%40example.net",
            host="autoconfig.evil.test")
        self.assertEqual(response.status, 200)
        self.assertNotIn(b"evil", response.body)
        self.assertIn(b"mail.example.net", response.body)
        self.assert_well_formed(response, True, lines)
        for path in ("/autodiscover/autodiscover.xml",
                     "/autodiscover/autodiscover.json?Protocol="
                     "AutodiscoverV1", "/email.mobileconfig"):
            with self.subTest(path=path):
                response, lines = self.send("GET", path,
                                            host="autodiscover.evil.test")
                self.assertNotIn(b"evil", response.body)
                self.assertNotEqual(response.status // 100, 5)
                self.assert_well_formed(response, True, lines)
        self.assert_still_serving()


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
