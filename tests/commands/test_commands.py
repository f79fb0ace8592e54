"""The command line: check, dns, startup errors, --help and --version."""

import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

BINARY = os.environ["MAILAUTOCONF_BINARY"]
SOURCE = os.environ["MAILAUTOCONF_SOURCE"]
EXAMPLE = os.path.join(SOURCE, "examples", "provider.json")
TEMPLATES = os.path.join(SOURCE, "templates")

FULL_PROVIDER = {
    "providers": [{
        "display_name": "Full Example",
        "domains": ["full.test", "second.test"],
        "aliases": {"alias.test": "full.test"},
        "autodiscover_host": "autodiscover.provider.test",
        "incoming": [
            {"type": "imap", "hostname": "imap.%EMAILDOMAIN%",
             "socket_type": "SSL"},
            {"type": "imap", "hostname": "imap.%EMAILDOMAIN%",
             "socket_type": "STARTTLS"},
            {"type": "pop3", "hostname": "pop.provider.test",
             "socket_type": "SSL"},
        ],
        "outgoing": [
            {"hostname": "smtp.provider.test", "socket_type": "SSL"},
            {"hostname": "smtp.provider.test", "socket_type": "STARTTLS"},
        ],
        "calendar": {"url": "https://dav.provider.test/calendars/"},
        "address_book": {"url": "https://dav.provider.test:8443/cards/"},
    }]
}


# A minimal "openssl ca" setup: in OpenSSL 3.0 (Debian 12), "openssl req"
# and "openssl x509" take no start date, but "openssl ca" takes -startdate
# and -enddate.
CA_CONFIG = """[ca]
default_ca = signing
[signing]
database = {dir}/{name}-index.txt
new_certs_dir = {dir}
serial = {dir}/{name}-serial
default_md = sha256
policy = any
[any]
commonName = supplied
"""

# A clientConfig file that imports with one warning, on line 1.
UNKNOWN_ELEMENT_CONFIG = (
    '<clientConfig version="1.1"><emailProvider id="example.com">'
    "<domain>example.com</domain><unknownElement/>"
    '<incomingServer type="imap"><hostname>imap.example.com'
    "</hostname><port>993</port><socketType>SSL</socketType>"
    "</incomingServer>"
    '<outgoingServer type="smtp"><hostname>smtp.example.com'
    "</hostname><port>465</port><socketType>SSL</socketType>"
    "</outgoingServer></emailProvider></clientConfig>\n")


def run(*args):
    """Runs mailautoconf; check gets the source tree's templates."""
    if args[:1] == ("check",) and "--templates" not in args:
        args = ("check", "--templates", TEMPLATES, *args[1:])
    return subprocess.run([BINARY, *args], capture_output=True, text=True,
                          timeout=30)


class CommandTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mailautoconf-commands-")
        self.addCleanup(shutil.rmtree, self.dir)

    def write(self, name, content):
        path = os.path.join(self.dir, name)
        with open(path, "w") as file:
            file.write(content if isinstance(content, str)
                       else json.dumps(content))
        return path

    def example_with(self, change, name="provider.json"):
        with open(EXAMPLE) as file:
            provider = json.load(file)
        change(provider)
        return self.write(name, provider)

    def make_certificate(self, name, start, end):
        """Writes the self-signed NAME-cert.pem and NAME-key.pem, valid
        from start to end (YYYYMMDDHHMMSSZ), and returns the certificate's
        path."""
        config = self.write(name + ".cnf",
                            CA_CONFIG.format(dir=self.dir, name=name))
        self.write(name + "-index.txt", "")
        self.write(name + "-serial", "01\n")
        key = os.path.join(self.dir, name + "-key.pem")
        request = os.path.join(self.dir, name + ".csr")
        certificate = os.path.join(self.dir, name + "-cert.pem")
        subprocess.run(
            ["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes",
             "-subj", "/CN=profiles.example.com", "-keyout", key,
             "-out", request],
            check=True, capture_output=True)
        subprocess.run(
            ["openssl", "ca", "-batch", "-config", config, "-selfsign",
             "-keyfile", key, "-in", request, "-out", certificate,
             "-notext", "-startdate", start, "-enddate", end],
            check=True, capture_output=True)
        return certificate

    def signed_example(self, name):
        """Returns the path of the example provider file signed with the
        files of make_certificate(name, ...)."""
        return self.example_with(
            lambda p: p.__setitem__("profile_signing", {
                "certificate": name + "-cert.pem",
                "key": name + "-key.pem"}),
            name + ".json")

    # --help, --version, usage

    def test_help_and_version(self):
        result = run("--help")
        self.assertEqual(result.returncode, 0)
        for word in ("serve", "check", "dns", "--listen", "--templates",
                     "--threads", "--syslog", "SIGHUP"):
            self.assertIn(word, result.stdout)
        result = run("--version")
        self.assertEqual(result.returncode, 0)
        self.assertRegex(result.stdout, r"^mailautoconf \d+\.\d+\.\d+\n$")

    def test_help_after_command(self):
        full = run("--help").stdout
        for args in (("check", "--help"), ("serve", "-h"),
                     ("dns", "--host", "web.example.net", "--help"),
                     ("import", "--help")):
            with self.subTest(args=args):
                result = run(*args)
                self.assertEqual(result.returncode, 0)
                self.assertEqual(result.stdout, full)
                self.assertEqual(result.stderr, "")

    def test_usage_errors_exit_one(self):
        for args, message in [
            ((), "usage:"),
            (("frobnicate",), "unknown command 'frobnicate'"),
            (("serve",), "missing the provider file"),
            (("serve", "--threads", "0", EXAMPLE), "--threads"),
            (("serve", "--bogus", EXAMPLE), "unknown option '--bogus'"),
            (("check",), "missing the provider file"),
            (("dns", "--host", "bad host", EXAMPLE), "--host 'bad host'"),
        ]:
            with self.subTest(args=args):
                result = run(*args)
                self.assertEqual(result.returncode, 1)
                self.assertIn(message, result.stderr)

    # serve: startup errors are one message and exit status 1

    def test_serve_startup_errors(self):
        invalid = self.write("invalid.json", '{"providers": [\n  {,}\n]}')
        wrong = self.example_with(
            lambda p: p["providers"][0]["incoming"].__setitem__(
                1, dict(p["providers"][0]["incoming"][1], port=99999)))
        for args, message in [
            (["/nonexistent/provider.json"],
             "/nonexistent/provider.json: cannot open: No such file"),
            ([invalid], "invalid.json:2:4: invalid JSON"),
            ([wrong], "providers[0].incoming[1].port: must be an integer "
                      "from 1 to 65535"),
            (["--templates", "/nonexistent", EXAMPLE],
             "template folder '/nonexistent': No such file or directory; "
             "--templates DIR sets the folder"),
            ([EXAMPLE], "standard input is not a listening socket"),
            (["--listen", "127.0.0.1:99999", EXAMPLE],
             "'127.0.0.1:99999': the port must be a number from 1 to 65535"),
            (["--listen", "127.0.0.1:0", EXAMPLE],
             "'127.0.0.1:0': the port must be a number from 1 to 65535"),
            (["--listen", "[::1]:80x", EXAMPLE],
             "'[::1]:80x': the port must be a number from 1 to 65535"),
        ]:
            with self.subTest(args=args):
                result = subprocess.run(
                    [BINARY, "serve", "--templates", TEMPLATES, *args],
                    stdin=subprocess.DEVNULL, capture_output=True,
                    text=True, timeout=30)
                self.assertEqual(result.returncode, 1)
                lines = result.stderr.splitlines()
                self.assertEqual(len(lines), 1, result.stderr)
                self.assertIn(message, lines[0])
                self.assertTrue(lines[0].startswith("mailautoconf: "))

    # check

    def test_check_example(self):
        result = run("check", "--templates", TEMPLATES, EXAMPLE)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("2 providers, 3 domains, 5 servers, 0 warnings",
                      result.stdout)

    def test_check_skips_byte_order_mark(self):
        with open(EXAMPLE) as file:
            text = file.read()
        marked = self.write("marked.json", "\ufeff" + text)
        result = run("check", "--templates", TEMPLATES, marked)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("2 providers, 3 domains", result.stdout)
        # Only one mark is skipped, and errors keep their line and column.
        broken = self.write("broken.json", "\ufeff{\n  ,\n}")
        result = run("check", "--templates", TEMPLATES, broken)
        self.assertEqual(result.returncode, 1)
        self.assertIn("broken.json:2:3: invalid JSON", result.stderr)
        twice = self.write("twice.json", "\ufeff\ufeff" + text)
        result = run("check", "--templates", TEMPLATES, twice)
        self.assertEqual(result.returncode, 1)
        self.assertIn("twice.json:1:1: invalid JSON: '[' or '{' expected "
                      "near '\\xef\\xbb\\xbf'", result.stderr)

    def test_check_loads_templates(self):
        # check loads the templates serve would load and fails like it.
        broken = os.path.join(self.dir, "templates")
        shutil.copytree(TEMPLATES, broken)
        os.mkdir(os.path.join(self.dir, "empty"))
        with open(os.path.join(broken, "autodiscover.xml"), "w") as out:
            out.write("<a>{{#servers}}</a>\n")
        for templates, message in [
                ("/nonexistent", "template folder '/nonexistent': No such "
                                 "file or directory; --templates DIR sets "
                                 "the folder"),
                (EXAMPLE, f"template folder '{EXAMPLE}': Not a directory; "
                          "--templates DIR sets the folder"),
                ("a" * 5000, "template folder '" + "a" * 256 + "...': File "
                             "name too long; --templates DIR sets the "
                             "folder"),
                (os.path.join(self.dir, "empty"),
                 "empty/autoconfig.xml: cannot open: No such file or "
                 "directory; --templates DIR sets the folder"),
                (broken, "autodiscover.xml:1: unclosed section")]:
            with self.subTest(templates=templates):
                result = run("check", "--templates", templates, EXAMPLE)
                self.assertEqual(result.returncode, 1)
                self.assertEqual(result.stdout, "")
                self.assertIn(message, result.stderr)
        single = self.example_with(
            lambda p: p.__setitem__("providers", p["providers"][:1]))
        result = run("check", single)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("1 provider, 1 domain, 3 servers, 0 warnings",
                      result.stdout)

    def test_check_warnings(self):
        provider = {"providers": [{
            "domains": ["warn.test"],
            "incoming": [
                {"type": "imap", "hostname": "mail.warn.test",
                 "socket_type": "plain", "port": 143},
                {"type": "imap", "hostname": "192.0.2.1",
                 "socket_type": "SSL", "port": 143,
                 "authentication": ["OAuth2"]},
            ],
            "outgoing": [{"hostname": "mailhost", "socket_type": "STARTTLS",
                          "authentication": ["OAuth2", "none"]},
                         # A password method before OAuth2 counts too.
                         {"hostname": "smtp.warn.test", "port": 587,
                          "socket_type": "STARTTLS",
                          "authentication": ["password-encrypted",
                                             "OAuth2"]}],
        }]}
        result = run("check", self.write("warn.json", provider))
        self.assertEqual(result.returncode, 0, result.stderr)
        expected = [
            "providers[0].incoming[0]: password-cleartext over a plain "
            "socket",
            "providers[0].incoming[1]: OAuth2 without a password method",
            "providers[0].incoming[1]: host name '192.0.2.1' is not a "
            "fully qualified DNS name",
            "providers[0].incoming[1]: port 143 is unusual for imap with "
            "socket type SSL; the usual port is 993",
            "providers[0].outgoing[0]: OAuth2 without a password method",
            "providers[0].outgoing[0]: host name 'mailhost' is not a fully "
            "qualified DNS name",
        ]
        for message in expected:
            self.assertIn(message, result.stdout)
        self.assertIn("6 warnings", result.stdout)
        self.assertEqual(result.stdout.count(": warning: "), 6)

    def test_check_errors(self):
        duplicate = self.example_with(
            lambda p: p["providers"][1]["domains"].append("example.com"),
            "duplicate.json")
        bad_socket = self.example_with(
            lambda p: p["providers"][0]["outgoing"][0].__setitem__(
                "socket_type", "TLS"), "bad-socket.json")
        for path, message in [
            (duplicate, "providers[1].domains[2]: domain 'example.com' is "
                        "also listed at providers[0].domains[0]"),
            (bad_socket, "providers[0].outgoing[0].socket_type: 'TLS' is "
                         "not \"SSL\", \"STARTTLS\" or \"plain\""),
        ]:
            with self.subTest(message=message):
                result = run("check", path)
                self.assertEqual(result.returncode, 1)
                self.assertIn(message, result.stderr)
                self.assertEqual(result.stdout, "")

    def test_check_rejects_invalid_url_hosts(self):
        fields = [
            (["calendar"], "url", "providers[0].calendar.url"),
            (["address_book"], "url", "providers[0].address_book.url"),
            ([], "activesync_url", "providers[0].activesync_url"),
            (["incoming", 1], "owa_url", "providers[0].incoming[1].owa_url"),
            (["documentation", 0], "url", "providers[0].documentation[0].url"),
            (["oauth2"], "auth_url", "providers[0].oauth2.auth_url"),
            (["webmail"], "login_page", "providers[0].webmail.login_page"),
        ]
        base = {"providers": [{
            "domains": ["url.test"],
            "incoming": [{"type": "imap", "hostname": "mail.url.test",
                          "socket_type": "SSL"},
                         {"type": "exchange", "hostname": "mail.url.test",
                          "socket_type": "SSL"}],
            "outgoing": [{"hostname": "mail.url.test",
                          "socket_type": "SSL"}],
            "calendar": {"url": "https://dav.url.test/"},
            "address_book": {"url": "https://dav.url.test/"},
            "documentation": [{"url": "https://url.test/help",
                               "descriptions": [{"text": "Help"}]}],
            "oauth2": {"issuer": "url.test", "scope": "mail",
                       "auth_url": "https://url.test/auth",
                       "token_url": "https://url.test/token"},
            "webmail": {"login_page": "https://url.test/"},
        }]}
        result = run("check", self.write("base.json", base))
        self.assertEqual(result.returncode, 0, result.stderr)
        for url, message in [
                ("https://a;b(c/dav/", "'a;b(c' is not a valid host name"),
                ("https://user@cal.url.test/", "is not a valid"),
                ("https://user:pw@cal.url.test:8443/", "is not a valid"),
                ("https://cal_dav.url.test/", "is not a valid host name"),
                ("https://-cal.url.test/", "is not a valid host name"),
                ("https://cal..url.test/", "is not a valid host name"),
                ("https://[2001:db8::1]/", "is not a valid"),
                ("https://cal.%EMAILADDRESS%/",
                 "only %EMAILDOMAIN% may appear here"),
                ("https://cal.url.test?x=1", "is not a valid host name")]:
            for parent, key, path in fields:
                with self.subTest(url=url, field=path):
                    document = json.loads(json.dumps(base))
                    node = document["providers"][0]
                    for step in parent:
                        node = node[step]
                    node[key] = url
                    result = run("check", self.write("url.json", document))
                    self.assertEqual(result.returncode, 1, result.stdout)
                    self.assertIn(path + ": ", result.stderr)
                    self.assertIn(message, result.stderr)
                    self.assertEqual(result.stderr.count("\n"), 1,
                                     result.stderr)

    def test_dns_skips_ip_address_targets(self):
        provider = {"providers": [{
            "domains": ["ip.test"],
            "incoming": [{"type": "imap", "hostname": "192.0.2.1",
                          "socket_type": "SSL"}],
            "outgoing": [{"hostname": "smtp.ip.test", "socket_type": "SSL"}],
            "calendar": {"url": "https://192.0.2.2:8443/dav/"},
            "address_book": {"url": "https://card.%EMAILDOMAIN%/"},
        }]}
        result = run("dns", self.write("ip.json", provider))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("192.0.2.1.", result.stdout)
        self.assertNotIn("192.0.2.2", result.stdout.replace(
            "; no _caldavs._tcp.ip.test. record: 192.0.2.2", ""))
        self.assertIn("; no _imaps._tcp.ip.test. record: 192.0.2.1 is an IP "
                      "address", result.stdout)
        self.assertIn("; no _caldavs._tcp.ip.test. record: 192.0.2.2 is an "
                      "IP address", result.stdout)
        self.assertIn("_carddavs._tcp.ip.test.\t3600\tIN\tSRV\t0 1 443 "
                      "card.ip.test.\n", result.stdout)
        self.assertIn("_submissions._tcp.ip.test.\t3600\tIN\tSRV\t0 1 465 "
                      "smtp.ip.test.\n", result.stdout)

    def test_dns_rejects_ip_address_host(self):
        for host in ("192.0.2.1", "192.0.2.1.", "2001:db8::1",
                     "[2001:db8::1]", "::ffff:192.0.2.1"):
            with self.subTest(host=host):
                result = run("dns", "--host", host, EXAMPLE)
                self.assertEqual(result.returncode, 1)
                self.assertEqual(result.stdout, "")
                self.assertEqual(result.stderr.count("\n"), 1, result.stderr)
                self.assertIn(f"--host '{host}' is an IP address; give the "
                              "DNS name of the web server", result.stderr)

    def test_errors_quoting_file_content_are_one_line(self):
        evil_key = self.example_with(
            lambda p: p["providers"][0].__setitem__("evil\nkey: forged", 1),
            "evil-key.json")
        evil_alias = self.example_with(
            lambda p: p["providers"][0].__setitem__(
                "aliases", {"mail\r\nforged.example\x7f": "example.com"}),
            "evil-alias.json")
        templates = os.path.join(self.dir, "templates")
        shutil.copytree(TEMPLATES, templates)
        with open(os.path.join(templates, "autoconfig.xml"), "a") as file:
            file.write("{{bad\nname}}\n")
        for args, message in [
            ([evil_key], "unknown key 'evil\\x0akey: forged'"),
            ([evil_alias],
             "aliases.mail\\x0d\\x0aforged.example\\x7f: "
             "'mail\\x0d\\x0aforged.example\\x7f' is not a valid domain"),
            (["--templates", templates, EXAMPLE],
             "invalid name 'bad\\x0aname'"),
        ]:
            for command in ("check", "serve"):
                with self.subTest(command=command, message=message):
                    if "--templates" not in args:
                        args = ["--templates", TEMPLATES, *args]
                    result = subprocess.run(
                        [BINARY, command, *args], stdin=subprocess.DEVNULL,
                        capture_output=True, text=True, timeout=30)
                    self.assertEqual(result.returncode, 1)
                    self.assertEqual(result.stderr.count("\n"), 1,
                                     result.stderr)
                    self.assertTrue(result.stderr.startswith("mailautoconf: "),
                                    result.stderr)
                    self.assertIn(message, result.stderr)

    def test_messages_escape_hiding_bytes(self):
        # A name is shown as UTF-8 where it is text. C1 controls, bidi
        # controls and bytes that are not UTF-8 are escaped.
        name = (b"caf\xc3\xa9 \xc2\x9b[2J \x9b \xe2\x80\xaecod.exe "
                b"\xe2\x80\xa8 end")
        folder = os.path.join(os.fsencode(self.dir), name)
        result = subprocess.run(
            [os.fsencode(BINARY), b"check", b"--templates", folder,
             os.fsencode(EXAMPLE)],
            stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr.count(b"\n"), 1, result.stderr)
        self.assertIn(b"caf\xc3\xa9 \\xc2\\x9b[2J \\x9b "
                      b"\\xe2\\x80\\xaecod.exe \\xe2\\x80\\xa8 "
                      b"end': No such file or directory",
                      result.stderr)
        for raw in (b"\x9b", b"\xe2\x80\xae", b"\xe2\x80\xa8"):
            self.assertNotIn(raw, result.stderr)

    def test_import_warning_with_newline_in_name(self):
        path = self.write("warn\nforged.xml", UNKNOWN_ELEMENT_CONFIG)
        result = run("import", path)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr.count("\n"), 1, result.stderr)
        self.assertIn("warn\\x0aforged.xml:1: warning: unknown element "
                      "'unknownElement'", result.stderr)

    def test_import_name_not_utf8(self):
        path = os.path.join(os.fsencode(self.dir), b"x\xff.xml")
        with open(path, "w") as out:
            out.write(UNKNOWN_ELEMENT_CONFIG)
        result = subprocess.run([BINARY, "import", path], capture_output=True,
                                timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(b"x\\xff.xml:1: warning: unknown element",
                      result.stderr)
        self.assertIn(b'"imap.example.com"', result.stdout)

    def test_check_report_escapes_file_name(self):
        name = "a\n\x1b[2Jb.json"
        shutil.copy(EXAMPLE, os.path.join(self.dir, name))
        result = run("check", os.path.join(self.dir, name))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.count("\n"), 1, result.stdout)
        self.assertNotIn("\x1b", result.stdout)
        self.assertIn("a\\x0a\\x1b[2Jb.json: 2 providers", result.stdout)

    def test_check_rejects_noncharacters(self):
        path = self.example_with(
            lambda p: p["providers"][0].__setitem__("display_name",
                                                    "Mail \ufffe"),
            "nonchar.json")
        result = run("check", path)
        self.assertEqual(result.returncode, 1)
        self.assertIn("providers[0].display_name: contains U+FFFE or U+FFFF",
                      result.stderr)

    def test_check_warns_about_long_domain_lists(self):
        def many_domains(provider):
            hosting = provider["providers"][1]
            hosting["domains"] = [f"d{i}.example.net" for i in range(4001)]
            hosting["list_all_domains"] = True
        result = run("check", self.example_with(many_domains, "many.json"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("providers[1]: list_all_domains with 4001 domains can "
                      "make autoconfig answers larger", result.stdout)

    def test_check_loads_signing_files(self):
        path = self.example_with(
            lambda p: p.__setitem__("profile_signing", {
                "certificate": "missing-cert.pem", "key": "missing-key.pem"}),
            "signing.json")
        result = run("check", path)
        self.assertEqual(result.returncode, 1)
        self.assertIn("profile_signing.certificate: "
                      f"{self.dir}/missing-cert.pem: cannot open: No such "
                      "file or directory", result.stderr)

    # files that are not regular files

    def nonregular_files(self):
        """Returns (path, error) for a new FIFO, a new folder and /dev/zero."""
        fifo = os.path.join(self.dir, "fifo")
        os.mkfifo(fifo)
        folder = os.path.join(self.dir, "folder")
        os.mkdir(folder)
        return [(fifo, fifo + ": not a regular file"),
                (folder, folder + ": is a directory"),
                ("/dev/zero", "/dev/zero: not a regular file")]

    def assert_one_error(self, args, message):
        # A FIFO opened for reading without a writer blocks in open(), so
        # a hang shows as TimeoutExpired here.
        result = subprocess.run([BINARY, *args], stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=10)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual(result.stdout, "")
        self.assertEqual(result.stderr, f"mailautoconf: {message}\n")

    def test_check_rejects_nonregular_provider_file(self):
        for path, message in self.nonregular_files():
            with self.subTest(path=path):
                self.assert_one_error(
                    ["check", "--templates", TEMPLATES, path], message)

    def test_check_never_opens_a_device(self):
        # Opening some devices acts, as a watchdog's does, so only stat runs.
        if shutil.which("strace") is None:
            self.skipTest("strace missing: apt-get install strace")
        trace = os.path.join(self.dir, "trace")
        # LeakSanitizer stops a process that runs under ptrace.
        env = dict(os.environ, ASAN_OPTIONS=os.environ.get(
            "ASAN_OPTIONS", "") + ":detect_leaks=0")
        result = subprocess.run(
            ["strace", "-f", "-e", "trace=open,openat", "-o", trace, BINARY,
             "check", "--templates", TEMPLATES, "/dev/zero"],
            capture_output=True, text=True, timeout=30, env=env)
        self.assertEqual(result.returncode, 1)
        self.assertIn("/dev/zero: not a regular file", result.stderr)
        with open(trace) as file:
            calls = file.read()
        self.assertIn("templates/autoconfig.xml", calls)
        self.assertNotIn('"/dev/zero"', calls)

    def test_long_path_keeps_reason(self):
        path = "./" + "a" * 2400 + "/provider.json"
        result = run("check", path)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr.count("\n"), 1, result.stderr)
        self.assertIn("a...: cannot open: File name too long", result.stderr)

    def test_import_rejects_nonregular_ispdb_file(self):
        for path, message in self.nonregular_files():
            with self.subTest(path=path):
                self.assert_one_error(["import", path], message)

    def test_check_rejects_nonregular_template_file(self):
        templates = os.path.join(self.dir, "templates")
        shutil.copytree(TEMPLATES, templates)
        template = os.path.join(templates, "autoconfig.xml")
        os.remove(template)
        for path, message in self.nonregular_files():
            with self.subTest(path=path):
                os.symlink(path, template)
                try:
                    self.assert_one_error(
                        ["check", "--templates", templates, EXAMPLE],
                        message.replace(path, template, 1))
                finally:
                    os.remove(template)

    def make_signing_pair(self, cert_name, key_name):
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj",
             "/CN=profiles.example.com",
             "-keyout", os.path.join(self.dir, key_name),
             "-out", os.path.join(self.dir, cert_name)],
            check=True, capture_output=True, timeout=30)

    def test_check_names_mismatched_signing_key(self):
        self.make_signing_pair("cert.pem", "key.pem")
        self.make_signing_pair("other-cert.pem", "other-key.pem")
        provider = self.example_with(
            lambda p: p.__setitem__("profile_signing", {
                "certificate": "cert.pem", "key": "other-key.pem"}))
        self.assert_one_error(
            ["check", "--templates", TEMPLATES, provider],
            f"profile_signing.key: {self.dir}/other-key.pem: the key does "
            f"not match certificate '{self.dir}/cert.pem'")

    def test_check_rejects_nonregular_signing_files(self):
        self.make_signing_pair("cert.pem", "key.pem")
        signing = {"certificate": "cert.pem", "key": "key.pem",
                   "chain": "cert.pem"}
        provider = self.example_with(
            lambda p: p.__setitem__("profile_signing", signing))
        result = run("check", provider)
        self.assertEqual(result.returncode, 0, result.stderr)
        for path, message in self.nonregular_files():
            for key in ("certificate", "key", "chain"):
                with self.subTest(path=path, key=key):
                    provider = self.example_with(
                        lambda p: p.__setitem__(
                            "profile_signing", dict(signing, **{key: path})))
                    self.assert_one_error(
                        ["check", "--templates", TEMPLATES, provider],
                        f"profile_signing.{key}: {message}")

    def test_check_warns_about_signing_dates(self):
        for name, start, end, problem in [
            ("expired", "20200101000000Z", "20210101000000Z",
             "expired on 2021-01-01 00:00:00 UTC"),
            ("future", "20990101000000Z", "21000101000000Z",
             "is not valid until 2099-01-01 00:00:00 UTC"),
        ]:
            with self.subTest(certificate=name):
                certificate = self.make_certificate(name, start, end)
                path = self.signed_example(name)
                result = run("check", path)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertIn(
                    f"{path}: warning: profile_signing.certificate: "
                    f"'{certificate}' {problem}; iOS shows the profiles it "
                    "signs as not verified\n", result.stdout)
                self.assertIn("5 servers, 1 warning\n", result.stdout)

    def test_check_warns_about_unreadable_dates(self):
        # openssl writes dates before 2050 as UTCTime, YYMMDDHHMMSSZ. The
        # month is patched to 13 in the DER bytes, which OpenSSL still loads.
        certificate = self.make_certificate("garbled", "20200101000000Z",
                                            "20391231235959Z")
        with open(certificate) as file:
            body = "".join(line for line in file.read().splitlines()
                           if not line.startswith("-----"))
        der = base64.b64decode(body)
        self.assertEqual(der.count(b"391231235959Z"), 1)
        der = der.replace(b"391231235959Z", b"391331235959Z")
        encoded = base64.encodebytes(der).decode()
        with open(certificate, "w") as file:
            file.write("-----BEGIN CERTIFICATE-----\n" + encoded +
                       "-----END CERTIFICATE-----\n")
        path = self.signed_example("garbled")
        result = run("check", path)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(
            f"{path}: warning: profile_signing.certificate: '{certificate}' "
            "has a validity date that cannot be read; iOS shows the "
            "profiles it signs as not verified\n", result.stdout)
        self.assertIn("5 servers, 1 warning\n", result.stdout)

    def test_check_accepts_current_signing_certificate(self):
        now = time.gmtime()
        self.make_certificate(
            "current", f"{now.tm_year - 1}0101000000Z",
            f"{now.tm_year + 2}0101000000Z")
        result = run("check", self.signed_example("current"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("5 servers, 0 warnings\n", result.stdout)

    def test_serve_logs_signing_dates(self):
        expired = self.make_certificate("expired", "20200101000000Z",
                                        "20210101000000Z")
        self.make_certificate("future", "20990101000000Z", "21000101000000Z")
        path = self.signed_example("expired")
        log_path = os.path.join(self.dir, "serve.log")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [BINARY, "serve", "--listen", f"127.0.0.1:{port}",
                 "--templates", TEMPLATES, path],
                stdin=subprocess.DEVNULL, stderr=log)

        def wait_for_log(text):
            deadline = time.monotonic() + 10
            while True:
                with open(log_path) as log:
                    lines = log.read().splitlines()
                if any(text in line for line in lines):
                    return lines
                self.assertIsNone(process.poll(), lines)
                self.assertLess(time.monotonic(), deadline, lines)
                time.sleep(0.02)

        try:
            lines = wait_for_log("serving")
            warnings = [line for line in lines if "warning" in line]
            self.assertEqual(len(warnings), 1, lines)
            self.assertIn(f"{path}: warning: profile_signing.certificate: "
                          f"'{expired}' expired on 2021-01-01 00:00:00 UTC",
                          warnings[0])

            # The reload takes the other certificate under the same name.
            shutil.copy(os.path.join(self.dir, "future-cert.pem"), expired)
            shutil.copy(os.path.join(self.dir, "future-key.pem"),
                        os.path.join(self.dir, "expired-key.pem"))
            process.send_signal(signal.SIGHUP)
            lines = wait_for_log("is not valid until")
            warnings = [line for line in lines if "warning" in line]
            self.assertEqual(len(warnings), 2, lines)
            self.assertIn("reloaded", lines[-2])
            self.assertIn(f"'{expired}' is not valid until 2099-01-01 "
                          "00:00:00 UTC", warnings[1])
        finally:
            process.send_signal(signal.SIGTERM)
            self.assertEqual(process.wait(timeout=10), 0)

    # dns

    def zone_records(self, output):
        records = []
        for line in output.splitlines():
            if line and not line.startswith(";"):
                records.append(line.split("\t"))
        return records

    def check_zone(self, origin, records):
        """Loads the records below origin into a zone; named-checkzone."""
        lines = [
            f"$ORIGIN {origin}.",
            "$TTL 3600",
            f"@ IN SOA ns.{origin}. hostmaster.{origin}. 1 3600 600 "
            "86400 3600",
            f"@ IN NS ns.{origin}.",
            "ns IN A 192.0.2.53",
        ]
        for name, ttl, klass, kind, data in records:
            if name.endswith("." + origin + "."):
                lines.append("\t".join([name, ttl, klass, kind, data]))
        path = self.write(origin + ".zone", "\n".join(lines) + "\n")
        result = subprocess.run(["named-checkzone", origin, path],
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stdout)

    def test_dns_records_load_into_zones(self):
        if shutil.which("named-checkzone") is None:
            self.skipTest("named-checkzone missing: apt-get install "
                          "bind9-utils")
        path = self.write("full.json", FULL_PROVIDER)
        result = run("dns", "--host", "web.provider.test", path)
        self.assertEqual(result.returncode, 0, result.stderr)
        records = self.zone_records(result.stdout)
        by_name = {}
        for name, _, _, kind, data in records:
            by_name.setdefault((name, kind), []).append(data)

        self.assertEqual(by_name[("_imaps._tcp.full.test.", "SRV")],
                         ["0 1 993 imap.full.test."])
        self.assertEqual(by_name[("_imap._tcp.full.test.", "SRV")],
                         ["10 1 143 imap.full.test."])
        self.assertEqual(by_name[("_pop3s._tcp.full.test.", "SRV")],
                         ["20 1 995 pop.provider.test."])
        self.assertEqual(by_name[("_pop3._tcp.full.test.", "SRV")],
                         ["0 0 0 ."])
        self.assertEqual(by_name[("_submissions._tcp.full.test.", "SRV")],
                         ["0 1 465 smtp.provider.test."])
        self.assertEqual(by_name[("_submission._tcp.full.test.", "SRV")],
                         ["10 1 587 smtp.provider.test."])
        self.assertEqual(by_name[("_autodiscover._tcp.full.test.", "SRV")],
                         ["0 0 443 autodiscover.provider.test."])
        self.assertEqual(by_name[("_caldavs._tcp.full.test.", "SRV")],
                         ["0 1 443 dav.provider.test."])
        self.assertEqual(by_name[("_caldavs._tcp.full.test.", "TXT")],
                         ['"path=/calendars/"'])
        self.assertEqual(by_name[("_caldav._tcp.full.test.", "SRV")],
                         ["0 0 0 ."])
        self.assertEqual(by_name[("_carddavs._tcp.full.test.", "SRV")],
                         ["0 1 8443 dav.provider.test."])
        self.assertEqual(by_name[("autoconfig.full.test.", "CNAME")],
                         ["web.provider.test."])
        self.assertEqual(by_name[("autodiscover.second.test.", "CNAME")],
                         ["web.provider.test."])
        # An alias gets records too, with the main domain's host names.
        self.assertEqual(by_name[("_imaps._tcp.alias.test.", "SRV")],
                         ["0 1 993 imap.full.test."])

        for origin in ("full.test", "second.test", "alias.test"):
            with self.subTest(zone=origin):
                self.check_zone(origin, records)

    def test_dns_dav_path_without_query(self):
        # RFC 6764's path= is the context path, never a query or fragment.
        for url, txt in [
                ("https://dav.example.com/dav/?user=x#top", '"path=/dav/"'),
                ("https://dav.example.com/?a=b", None),
                ("https://dav.example.com/dav?%EMAILADDRESS%", '"path=/dav"'),
                ("https://dav.example.com/%EMAILLOCALPART%/", None),
                ("https://dav.example.com/a%20b/", '"path=/a%20b/"'),
                ("https://dav.example.com/" + "a" * 249,
                 '"path=/' + "a" * 249 + '"'),
                ("https://dav.example.com/" + "a" * 250, None)]:
            with self.subTest(url=url):
                path = self.example_with(
                    lambda p: p["providers"][0].__setitem__(
                        "calendar", {"url": url}), name="dav.json")
                result = run("dns", path)
                self.assertEqual(result.returncode, 0, result.stderr)
                found = re.findall(r"^_caldavs\._tcp\.example\.com\.\t3600"
                                   r"\tIN\tTXT\t(.*)$", result.stdout, re.M)
                self.assertEqual(found, [txt] if txt else [])

    def test_dns_without_host_comments_cnames(self):
        result = run("dns", EXAMPLE)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("CNAME", "\n".join(
            line for line in result.stdout.splitlines()
            if not line.startswith(";")))
        self.assertIn("--host NAME", result.stdout)
        srv = re.findall(r"^_autodiscover\._tcp\.example\.com\.\t3600\tIN\t"
                         r"SRV\t0 0 443 autodiscover\.example\.com\.$",
                         result.stdout, re.M)
        self.assertEqual(len(srv), 1)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
