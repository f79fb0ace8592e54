"""apache/mailautoconf.conf in a real Apache with mod_proxy_fcgi, in front
of mailautoconf under spawn-fcgi.

The shipped file is included unchanged. The configuration around it only
sets its variables (socket, ports, certificate), a DocumentRoot with an
ACME challenge file, and two websites on the same port: example.com, which
redirects to HTTPS with Redirect, and rewrite.example.com, which redirects
with a RewriteRule.
"""

import os
import ssl
import subprocess
import sys
import unittest

import deploy

deploy.require(programs={"apache2": "apache2", "spawn-fcgi": "spawn-fcgi",
                         "openssl": "openssl"},
               modules={"mod_proxy_fcgi.so": "apache2-bin",
                        "mod_ssl.so": "apache2-bin"})

WEBSITES = """
DocumentRoot {root}/www
<VirtualHost *:{http}>
    ServerName example.com
    Redirect permanent / https://example.com/
</VirtualHost>
<VirtualHost *:{http}>
    ServerName rewrite.example.com
    RewriteEngine On
    RewriteRule ^ https://%{{HTTP_HOST}}%{{REQUEST_URI}} [R=301,L]
</VirtualHost>
"""

SETTINGS = """
Define MAILAUTOCONF_SOCKET {socket}
Define MAILAUTOCONF_HTTP_PORT {http}
Define MAILAUTOCONF_HTTPS_PORT {https}
Define MAILAUTOCONF_CERTIFICATE {root}/cert.pem
Define MAILAUTOCONF_CERTIFICATE_KEY {root}/key.pem
Include {source}/apache/mailautoconf.conf
"""


def make_certificate(root):
    """Writes a self-signed certificate for the autoconfig. and
    autodiscover. names of example.com."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
         "-days", "2", "-subj", "/CN=autoconfig.example.com",
         "-addext", "subjectAltName=DNS:autoconfig.example.com,"
                    "DNS:autodiscover.example.com",
         "-addext", "basicConstraints=critical,CA:FALSE",
         "-keyout", os.path.join(root, "key.pem"),
         "-out", os.path.join(root, "cert.pem")],
        check=True, capture_output=True)
    os.chmod(os.path.join(root, "key.pem"), 0o600)


class ApacheProxyTest(unittest.TestCase, deploy.ResponseChecks):

    @classmethod
    def setUpClass(cls):
        cls.root = deploy.make_tree(cls)
        cls.http = deploy.free_port()
        cls.https = deploy.free_port()
        cls.socket = os.path.join(cls.root, "mailautoconf.sock")
        cls.log = os.path.join(cls.root, "mailautoconf.log")
        make_certificate(cls.root)
        challenges = os.path.join(cls.root, "www", ".well-known",
                                  "acme-challenge")
        os.makedirs(challenges)
        with open(os.path.join(challenges, "token"), "w") as f:
            f.write("token.key\n")
        for folder, _, _ in os.walk(os.path.join(cls.root, "www")):
            os.chmod(folder, 0o755)
        os.chmod(os.path.join(challenges, "token"), 0o644)

        cls.responder = deploy.spawn_fcgi(
            cls.socket, cls.log, "--templates",
            os.path.join(deploy.SOURCE, "templates"),
            os.path.join(deploy.SOURCE, "examples", "provider.json"))
        cls.addClassCleanup(deploy.stop_process, cls.responder)

        values = {"http": cls.http, "https": cls.https,
                  "socket": cls.socket, "root": cls.root,
                  "source": deploy.SOURCE}
        cls.apache = deploy.Apache(
            cls.root, [cls.http, cls.https],
            ["alias", "rewrite", "proxy", "proxy_fcgi", "ssl"],
            WEBSITES.format(**values) + SETTINGS.format(**values))
        cls.apache.start()
        cls.addClassCleanup(cls.apache.stop)

        cls.tls = ssl.create_default_context(
            cafile=os.path.join(cls.root, "cert.pem"))

    def get(self, target, host="autoconfig.example.com", method="GET"):
        return deploy.send_raw(self.http,
                               deploy.request_bytes(method, target, host))

    def assert_from_mailautoconf(self, response):
        # mailautoconf sets this header on every response; Apache does not.
        self.assertEqual(response.headers.get("x-content-type-options"),
                         "nosniff", response)

    def test_recorded_requests_over_http(self):
        for name, request in deploy.recorded_requests().items():
            with self.subTest(request=name):
                self.check_recorded(name, deploy.send_raw(self.http, request))

    def test_recorded_requests_over_https(self):
        # Only the autoconfig. and autodiscover. names have an HTTPS site.
        for name, request in deploy.recorded_requests().items():
            host = deploy.host_of(request)
            if not host.startswith(("autoconfig.", "autodiscover.")):
                continue
            with self.subTest(request=name):
                response = deploy.send_raw(self.https, request, self.tls)
                self.check_recorded(name, response)

    def test_discovery_paths_any_case(self):
        for target, status in deploy.DISCOVERY_PATHS:
            with self.subTest(target=target):
                response = self.get(target)
                self.assertEqual(response.status, status, response)
                self.assert_from_mailautoconf(response)

    def test_other_methods_reach_mailautoconf(self):
        for method, target in deploy.OTHER_METHODS:
            with self.subTest(method=method, target=target):
                response = self.get(target, method=method)
                self.assertEqual(response.status, 405, response)
                self.assert_from_mailautoconf(response)

    def test_head_has_no_body(self):
        response = self.get("/mail/config-v1.1.xml", method="HEAD")
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.body, b"")

    def test_request_uri_is_raw(self):
        targets = ["/Mail/Config-V1.1.xml?emailaddress=alice%40example.com",
                   "/mail/config%2Dv1.1.xml?emailaddress=alice%40example.com"]
        for target in targets:
            with self.subTest(target=target):
                self.check_autoconfig_alice(self.get(target))
                path = target.split("?")[0]
                self.assertIn(f"path='{path}' status=200",
                              deploy.read_text(self.log))

    def test_other_paths_stay_with_apache(self):
        for target in ["/index.html", "/mail/config-v1.1.xml/extra",
                       "/autodiscover/autodiscover.xml.bak",
                       "/mail/config-v1.2.xml"]:
            with self.subTest(target=target):
                response = self.get(target)
                self.assertEqual(response.status, 404, response)
                self.assertNotIn("x-content-type-options", response.headers)

    def test_acme_challenge_from_document_root(self):
        for host in ("autoconfig.example.com", "autodiscover.example.net"):
            with self.subTest(host=host):
                response = self.get("/.well-known/acme-challenge/token", host)
                self.assertEqual(response.status, 200, response)
                self.assertEqual(response.body, b"token.key\n")

    def test_bare_domain_site_routes_discovery(self):
        response = self.get("/mail/config-v1.1.xml", host="example.com")
        self.check_autoconfig_placeholder(response)

    def test_redirect_spares_discovery_paths(self):
        response = self.get("/index.html", host="example.com")
        self.assertEqual(response.status, 301, response)
        response = self.get("/AutoDiscover/AutoDiscover.xml",
                          host="example.com")
        self.check_autodiscover_no_login(response)

    def test_rewrite_redirect_runs_first(self):
        # The shipped file warns about this: mod_rewrite in a virtual host
        # runs before mod_proxy, so its redirect takes discovery paths too.
        response = self.get("/mail/config-v1.1.xml",
                          host="rewrite.example.com")
        self.assertEqual(response.status, 301, response)

    def test_large_body_gets_413(self):
        body = b"<Autodiscover>" + b" " * (70 * 1024) + b"</Autodiscover>"
        request = deploy.request_bytes(
            "POST", "/autodiscover/autodiscover.xml",
            "autodiscover.example.com", body,
            ["Content-Type: text/xml"])
        response = deploy.send_raw(self.http, request)
        self.assertEqual(response.status, 413, response)
        self.assert_from_mailautoconf(response)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
