"""apache/htaccess and apache/mailautoconf.fcgi on a shared-hosting style
Apache: mod_rewrite and mod_fcgid only, with the override rights that the
shipped .htaccess requires from the host.

Three sites on three ports serve the same paths. The plain site has the
shipped .htaccess alone. The other two append rules below it, where the
comment in the shipped file directs users to put them: the CMS site the
usual catch-all of a CMS, the HTTPS site a redirect of everything to HTTPS.
All sites have the shipped wrapper, unchanged, which finds the binary,
templates and provider file through FcgidInitialEnv.
"""

import os
import shutil
import sys
import unittest

import deploy

deploy.require(programs={"apache2": "apache2"},
               modules={"mod_fcgid.so": "libapache2-mod-fcgid",
                        "mod_rewrite.so": "apache2-bin"})

CMS_RULES = """
# A CMS's catch-all: everything that is not a file goes to index.php.
RewriteCond %{REQUEST_FILENAME} !-f
RewriteCond %{REQUEST_FILENAME} !-d
RewriteRule . index.php [L]
"""

HTTPS_RULES = """
# A redirect of everything to HTTPS.
RewriteCond %{HTTPS} !=on
RewriteRule ^ https://%{HTTP_HOST}%{REQUEST_URI} [R=301,L]
"""

SITES = """
FcgidIPCDir {root}/fcgid
FcgidProcessTableFile {root}/fcgid/table
FcgidInitialEnv MAILAUTOCONF_BINARY {binary}
FcgidInitialEnv MAILAUTOCONF_TEMPLATES {templates}
FcgidInitialEnv MAILAUTOCONF_PROVIDER {provider}
<Directory {root}/sites>
    AllowOverride FileInfo Options=ExecCGI
    Require all granted
</Directory>
<VirtualHost 127.0.0.1:{plain}>
    DocumentRoot {root}/sites/plain
</VirtualHost>
<VirtualHost 127.0.0.1:{cms}>
    DocumentRoot {root}/sites/cms
</VirtualHost>
<VirtualHost 127.0.0.1:{https}>
    DocumentRoot {root}/sites/https
</VirtualHost>
"""


def make_site(root, name, extra_rules=""):
    site = os.path.join(root, "sites", name)
    os.makedirs(site)
    source = os.path.join(deploy.SOURCE, "apache")
    with open(os.path.join(source, "htaccess")) as f:
        htaccess = f.read()
    with open(os.path.join(site, ".htaccess"), "w") as f:
        f.write(htaccess + extra_rules)
    shutil.copy(os.path.join(source, "mailautoconf.fcgi"), site)
    os.chmod(os.path.join(site, "mailautoconf.fcgi"), 0o755)
    with open(os.path.join(site, "index.html"), "w") as f:
        f.write("website\n")
    # A plain file in place of the CMS's front controller.
    with open(os.path.join(site, "index.php"), "w") as f:
        f.write("cms\n")
    for folder, _, files in os.walk(os.path.join(root, "sites")):
        os.chmod(folder, 0o755)
        for file in files:
            path = os.path.join(folder, file)
            if not path.endswith(".fcgi"):
                os.chmod(path, 0o644)


class HtaccessTest(unittest.TestCase, deploy.ResponseChecks):

    @classmethod
    def setUpClass(cls):
        cls.root = deploy.make_tree(cls)
        cls.plain = deploy.free_port()
        cls.cms = deploy.free_port()
        cls.https = deploy.free_port()
        binary, templates, provider = deploy.copy_program(cls.root)
        make_site(cls.root, "plain")
        make_site(cls.root, "cms", CMS_RULES)
        make_site(cls.root, "https", HTTPS_RULES)
        os.mkdir(os.path.join(cls.root, "fcgid"))
        deploy.give_to_worker(os.path.join(cls.root, "fcgid"))

        cls.apache = deploy.Apache(
            cls.root, [cls.plain, cls.cms, cls.https], ["rewrite", "fcgid"],
            SITES.format(root=cls.root, plain=cls.plain, cms=cls.cms,
                         https=cls.https, binary=binary,
                         templates=templates, provider=provider))
        cls.apache.start()
        cls.addClassCleanup(cls.apache.stop)

    def get(self, port, target, host="autoconfig.example.com",
            method="GET"):
        return deploy.send_raw(port,
                               deploy.request_bytes(method, target, host))

    def assert_from_mailautoconf(self, response):
        self.assertEqual(response.headers.get("x-content-type-options"),
                         "nosniff", response)

    def test_recorded_requests(self):
        for port in (self.plain, self.cms, self.https):
            for name, request in deploy.recorded_requests().items():
                with self.subTest(port=port, request=name):
                    self.check_recorded(name, deploy.send_raw(port, request))

    def test_discovery_paths_any_case(self):
        for port in (self.plain, self.cms, self.https):
            for target, status in deploy.DISCOVERY_PATHS:
                with self.subTest(port=port, target=target):
                    response = self.get(port, target)
                    self.assertEqual(response.status, status, response)
                    self.assert_from_mailautoconf(response)

    def test_other_methods_reach_mailautoconf(self):
        for method, target in deploy.OTHER_METHODS:
            with self.subTest(method=method, target=target):
                response = self.get(self.plain, target, method=method)
                self.assertEqual(response.status, 405, response)
                self.assert_from_mailautoconf(response)

    def test_request_uri_is_original_path(self):
        # After the rewrite SCRIPT_NAME names the wrapper, but REQUEST_URI
        # keeps the path and query the client sent.
        target = "/Mail/Config-V1.1.xml?emailaddress=alice%40example.com"
        self.check_autoconfig_alice(self.get(self.plain, target))
        self.assertIn("path='/Mail/Config-V1.1.xml' status=200",
                      deploy.read_text(self.apache.error_log))

    def test_wrapper_path_is_not_discovery(self):
        response = self.get(self.plain, "/mailautoconf.fcgi")
        self.assertEqual(response.status, 404, response)
        self.assert_from_mailautoconf(response)

    def test_website_still_served(self):
        for port, missing in ((self.plain, 404), (self.cms, 200)):
            with self.subTest(port=port):
                response = self.get(port, "/index.html", host="example.com")
                self.assertEqual(response.status, 200, response)
                self.assertEqual(response.body, b"website\n")
                response = self.get(port, "/mail/config-v1.2.xml",
                                  host="example.com")
                self.assertEqual(response.status, missing, response)
                self.assertNotIn("x-content-type-options", response.headers)

    def test_later_redirect_spares_discovery(self):
        # END keeps the redirect from rewriting /mailautoconf.fcgi after
        # the internal redirect to it.
        response = self.get(self.https, "/index.html", host="example.com")
        self.assertEqual(response.status, 301, response)
        response = self.get(self.https, "/mail/config-v1.1.xml")
        self.check_autoconfig_placeholder(response)

    def test_large_body_gets_413(self):
        body = b"<Autodiscover>" + b" " * (70 * 1024) + b"</Autodiscover>"
        request = deploy.request_bytes(
            "POST", "/autodiscover/autodiscover.xml",
            "autodiscover.example.com", body, ["Content-Type: text/xml"])
        response = deploy.send_raw(self.plain, request)
        self.assertEqual(response.status, 413, response)
        self.assert_from_mailautoconf(response)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
