"""Shared pieces of the deployment tests: private Apache and spawn-fcgi
instances on loopback, a minimal FastCGI client, byte-for-byte replay of
the recorded client requests, and the checks of the responses."""

import http.client
import json
import grp
import os
import pwd
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

BINARY = os.environ["MAILAUTOCONF_BINARY"]
SOURCE = os.environ["MAILAUTOCONF_SOURCE"]
REQUESTS = os.path.join(SOURCE, "tests", "requests")
APACHE_MODULES = "/usr/lib/apache2/modules"
SKIP = 77

AUTODISCOVER_NS = ("{http://schemas.microsoft.com/exchange/autodiscover/"
                   "outlook/responseschema/2006a}")
MOBILESYNC_NS = ("{http://schemas.microsoft.com/exchange/autodiscover/"
                 "mobilesync/responseschema/2006}")

# The servers of example.com in examples/provider.json, as
# (type, hostname, port, socket type).
EXAMPLE_INCOMING = [("imap", "mail.example.com", "993", "SSL"),
                    ("pop3", "mail.example.com", "995", "SSL")]
EXAMPLE_OUTGOING = [("smtp", "mail.example.com", "587", "STARTTLS")]
EXAMPLE_PROTOCOLS = [("IMAP", "mail.example.com", "993"),
                     ("POP3", "mail.example.com", "995"),
                     ("SMTP", "mail.example.com", "587")]


def find_program(name):
    """Returns the path of program name, also looking in the sbin
    folders that an unprivileged PATH leaves out, or None."""
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    return shutil.which(name, path=path)


def require(programs=(), modules=()):
    """Exits with status 77, which ctest counts as skipped, when a program
    or Apache module is missing. programs and modules map a name to the
    Debian package that provides it."""
    missing = []
    for name, package in dict(programs).items():
        if find_program(name) is None:
            missing.append(f"program '{name}' (Debian package {package})")
    for name, package in dict(modules).items():
        if not os.path.exists(os.path.join(APACHE_MODULES, name)):
            missing.append(f"Apache module '{name}' (Debian package "
                           f"{package})")
    if missing:
        print("skipped: missing " + ", ".join(missing), file=sys.stderr)
        sys.exit(SKIP)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_tree(testcase):
    """Creates a temporary folder that the Apache user can enter, because
    Apache's workers run as www-data when the tests run as root."""
    root = tempfile.mkdtemp(prefix="mailautoconf-deploy-")
    os.chmod(root, 0o755)
    testcase.addClassCleanup(shutil.rmtree, root, ignore_errors=True)
    return root


def worker_user():
    """Returns (user, group) for Apache's workers when running as root,
    else None: an unprivileged Apache keeps the current user."""
    if os.geteuid() != 0:
        return None
    for name in ("www-data", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return name, grp.getgrgid(entry.pw_gid).gr_name
    raise RuntimeError("running as root, but neither www-data nor nobody "
                       "exists to run Apache's workers")


def give_to_worker(path):
    """Makes the worker user the owner of path, for folders that Apache's
    workers or the processes of mod_fcgid write to."""
    user = worker_user()
    if user is not None:
        shutil.chown(path, user[0], user[1])


def copy_program(tree):
    """Copies the binary, the templates and the example provider file into
    tree, where mod_fcgid's processes can read them as www-data. Returns
    (binary, templates, provider)."""
    os.makedirs(os.path.join(tree, "bin"))
    binary = shutil.copy(BINARY, os.path.join(tree, "bin", "mailautoconf"))
    templates = shutil.copytree(os.path.join(SOURCE, "templates"),
                                os.path.join(tree, "templates"))
    provider = shutil.copy(os.path.join(SOURCE, "examples", "provider.json"),
                           os.path.join(tree, "provider.json"))
    for path in (tree, os.path.dirname(binary), templates):
        os.chmod(path, 0o755)
    for name in os.listdir(templates):
        os.chmod(os.path.join(templates, name), 0o644)
    os.chmod(binary, 0o755)
    os.chmod(provider, 0o644)
    return binary, templates, provider


def wait_for(predicate, timeout, description):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise TimeoutError(f"timed out after {timeout} s waiting for "
                       f"{description}")


def read_text(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def stop_process(process, timeout=10):
    """Stops a process this test started, by its PID: SIGTERM, then
    SIGKILL when it has not exited after timeout seconds. Returns the exit
    status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


class Apache:
    """A private apache2 in the foreground, listening on 127.0.0.1 only,
    with its configuration, logs and PID file inside root."""

    def __init__(self, root, ports, modules, body):
        self.root = root
        self.ports = ports
        self.config = os.path.join(root, "httpd.conf")
        self.error_log = os.path.join(root, "error.log")
        lines = [
            f"ServerRoot {root}",
            f"DefaultRuntimeDir {root}",
            f"PidFile {root}/httpd.pid",
            "ServerName localhost",
            f"ErrorLog {self.error_log}",
            "LogLevel warn",
        ]
        lines += [f"Listen 127.0.0.1:{port}" for port in ports]
        lines += [f"LoadModule {name}_module {APACHE_MODULES}/mod_{name}.so"
                  for name in ["mpm_event", "authz_core"] + list(modules)]
        user = worker_user()
        if user is not None:
            lines += [f"User {user[0]}", f"Group {user[1]}"]
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n" + body)
        self.process = None

    def start(self):
        apache = find_program("apache2")
        check = subprocess.run([apache, "-f", self.config, "-t"],
                               capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"apache2 -t rejected '{self.config}': "
                               f"{check.stderr.strip()}")
        self.process = subprocess.Popen(
            [apache, "-f", self.config, "-DFOREGROUND"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            wait_for(self.accepting, 15, "apache2 to accept connections")
        except TimeoutError:
            self.stop()
            raise RuntimeError("apache2 did not start; error log:\n" +
                               read_text(self.error_log))

    def accepting(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"apache2 exited with status "
                               f"{self.process.returncode}; error log:\n" +
                               read_text(self.error_log))
        for port in self.ports:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
            except OSError:
                return False
        return True

    def stop(self):
        if self.process is not None:
            stop_process(self.process)


def spawn_fcgi(socket_path, log_path, *arguments):
    """Starts mailautoconf under spawn-fcgi in the foreground (-n, so the
    process is mailautoconf itself) on a unix socket that only Apache's
    worker user may use, as in the README. Returns the process once it
    logged that it serves."""
    command = [find_program("spawn-fcgi"), "-n", "-s", socket_path,
               "-M", "0660"]
    user = worker_user()
    if user is not None:
        command += ["-U", user[0], "-G", user[1]]
    command += ["--", BINARY, "serve", *arguments]
    log = open(log_path, "wb")
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                               stdout=log, stderr=log)
    log.close()
    try:
        wait_for(lambda: "serving" in read_text(log_path) or
                 process.poll() is not None, 10, "mailautoconf to start")
    except TimeoutError:
        stop_process(process)
        raise
    if process.poll() is not None:
        raise RuntimeError(f"mailautoconf exited with status "
                           f"{process.returncode}: {read_text(log_path)}")
    return process


class Response:
    """A parsed HTTP response: status, headers (lower-case names) and body."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def __repr__(self):
        return (f"Response(status={self.status}, headers={self.headers}, "
                f"body={self.body[:300]!r})")


def send_raw(port, request, tls_context=None):
    """Sends request bytes unchanged to 127.0.0.1:port and parses the
    response. With tls_context the connection uses TLS, with the Host
    header's name as SNI and for the certificate check."""
    method = request.split(b" ", 1)[0].decode()
    sock = socket.create_connection(("127.0.0.1", port), 10)
    if tls_context is not None:
        sock = tls_context.wrap_socket(sock, server_hostname=host_of(request))
    with sock:
        sock.sendall(request)
        parsed = http.client.HTTPResponse(sock, method=method)
        parsed.begin()
        body = parsed.read()
        headers = {name.lower(): value
                   for name, value in parsed.getheaders()}
        return Response(parsed.status, headers, body)


def host_of(request):
    for line in request.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"host":
            return value.strip().decode()
    raise ValueError("request has no Host header")


def request_bytes(method, target, host, body=b"", headers=()):
    """Builds an HTTP/1.1 request that closes the connection after it."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}",
             "Connection: close"]
    lines += list(headers)
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def recorded_requests():
    """Returns {file name: raw bytes} of tests/requests/*.http."""
    requests = {}
    for name in sorted(os.listdir(REQUESTS)):
        if name.endswith(".http"):
            with open(os.path.join(REQUESTS, name), "rb") as f:
                requests[name] = f.read()
    return requests


class ResponseChecks:
    """Checks for the response to each recorded request, mixed into a
    unittest.TestCase. Each request file needs a check here, so that a new
    recording cannot pass unchecked."""

    def check_recorded(self, name, response):
        checks = {
            "thunderbird-autoconfig.http": self.check_autoconfig_alice,
            "thunderbird-autoconfig-wellknown.http":
                self.check_autoconfig_alice,
            "android-autoconfig-no-address.http":
                self.check_autoconfig_placeholder,
            "thunderbird-autodiscover.http": self.check_autodiscover_alice,
            "outlook-autodiscover.http": self.check_autodiscover_alice,
            "activesync-autodiscover.http": self.check_activesync_601,
            "deltachat-autodiscover-get.http":
                self.check_autodiscover_no_login,
            "outlook-autodiscover-json.http": self.check_json_pointer,
        }
        self.assertIn(name, checks, f"no check for recorded request {name}")
        checks[name](response)

    def assert_xml(self, response):
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.headers.get("content-type"),
                         "text/xml; charset=utf-8", response)
        return ET.fromstring(response.body)

    def check_autoconfig(self, response, username):
        root = self.assert_xml(response)
        self.assertEqual(root.tag, "clientConfig")
        provider = root.find("emailProvider")
        self.assertEqual(provider.get("id"), "example.com")
        self.assertEqual(provider.findtext("domain"), "example.com")
        for tag, expected in (("incomingServer", EXAMPLE_INCOMING),
                              ("outgoingServer", EXAMPLE_OUTGOING)):
            servers = provider.findall(tag)
            found = [(server.get("type"), server.findtext("hostname"),
                      server.findtext("port"), server.findtext("socketType"))
                     for server in servers]
            self.assertEqual(found, expected)
            for server in servers:
                self.assertEqual(server.findtext("username"), username)

    def check_autoconfig_alice(self, response):
        self.check_autoconfig(response, "alice@example.com")

    def check_autoconfig_placeholder(self, response):
        self.check_autoconfig(response, "%EMAILADDRESS%")

    def autodiscover_protocols(self, response):
        root = self.assert_xml(response)
        account = root.find(f"{AUTODISCOVER_NS}Response/"
                            f"{AUTODISCOVER_NS}Account")
        self.assertIsNotNone(account, response)
        self.assertEqual(account.findtext(f"{AUTODISCOVER_NS}Action"),
                         "settings")
        protocols = account.findall(f"{AUTODISCOVER_NS}Protocol")
        found = [(protocol.findtext(f"{AUTODISCOVER_NS}Type"),
                  protocol.findtext(f"{AUTODISCOVER_NS}Server"),
                  protocol.findtext(f"{AUTODISCOVER_NS}Port"))
                 for protocol in protocols]
        self.assertEqual(found, EXAMPLE_PROTOCOLS)
        return protocols

    def check_autodiscover_alice(self, response):
        for protocol in self.autodiscover_protocols(response):
            self.assertEqual(
                protocol.findtext(f"{AUTODISCOVER_NS}LoginName"),
                "alice@example.com")

    def check_autodiscover_no_login(self, response):
        for protocol in self.autodiscover_protocols(response):
            self.assertIsNone(protocol.find(f"{AUTODISCOVER_NS}LoginName"))

    def check_activesync_601(self, response):
        root = self.assert_xml(response)
        error = root.find(f"{MOBILESYNC_NS}Response/{MOBILESYNC_NS}Error")
        self.assertIsNotNone(error, response)
        self.assertEqual(error.findtext(f"{MOBILESYNC_NS}ErrorCode"), "601")

    def check_json_pointer(self, response):
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.headers.get("content-type"),
                         "application/json; charset=utf-8")
        self.assertEqual(json.loads(response.body), {
            "Protocol": "AutodiscoverV1",
            "Url": "https://autodiscover.example.com/autodiscover/"
                   "autodiscover.xml"})


# The discovery paths in other letter cases and forms, with the status
# mailautoconf returns for a GET without an address on the
# autoconfig.example.com host.
DISCOVERY_PATHS = [
    ("/mail/config-v1.1.xml", 200),
    ("/MAIL/CONFIG-V1.1.XML", 200),
    ("/.well-known/autoconfig/mail/config-v1.1.xml", 200),
    ("/.Well-Known/AutoConfig/Mail/Config-v1.1.xml", 200),
    ("/v1.1/mail/config-v1.1.xml", 200),
    ("/autodiscover/autodiscover.xml", 200),
    ("/AutoDiscover/AutoDiscover.XML", 200),
    ("/autodiscover/autodiscover.json?Protocol=AutodiscoverV1", 400),
    ("/autodiscover/autodiscover.json/v1.0/alice@example.com"
     "?Protocol=AutodiscoverV1", 200),
    ("/Autodiscover/Autodiscover.json/v1.0/alice@example.com"
     "?Protocol=AutodiscoverV1", 200),
    ("/email.mobileconfig?emailaddress=alice%40example.com", 200),
    ("/mobileconfig?emailaddress=alice%40example.com", 200),
    ("/MobileConfig?emailaddress=alice%40example.com", 200),
]

# Methods other than GET and POST reach mailautoconf too, which rejects
# them with 405.
OTHER_METHODS = [("OPTIONS", "/mail/config-v1.1.xml"),
                 ("PUT", "/autodiscover/autodiscover.xml"),
                 ("DELETE", "/mobileconfig")]


def fcgi_record(kind, content, request_id=1):
    return struct.pack(">BBHHBB", 1, kind, request_id, len(content), 0,
                       0) + content


def fcgi_length(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def fcgi_request(address, params, body=b""):
    """Sends one FastCGI responder request to address (a unix socket
    path) and returns the Response. params maps names to strings; body must
    be under 64 KiB."""
    pairs = b""
    for name, value in params.items():
        name, value = name.encode(), value.encode()
        pairs += fcgi_length(len(name)) + fcgi_length(len(value))
        pairs += name + value
    data = fcgi_record(1, struct.pack(">HB5x", 1, 0))
    data += fcgi_record(4, pairs) + fcgi_record(4, b"")
    if body:
        data += fcgi_record(5, body)
    data += fcgi_record(5, b"")

    stdout = b""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(10)
        sock.connect(address)
        sock.sendall(data)
        received = sock.makefile("rb")
        while True:
            header = received.read(8)
            if len(header) < 8:
                raise ConnectionError("connection closed before "
                                      "FCGI_END_REQUEST")
            _, kind, _, length, padding, _ = struct.unpack(">BBHHBB", header)
            content = received.read(length)
            received.read(padding)
            if kind == 6:
                stdout += content
            elif kind == 3:
                break

    head, _, body = stdout.partition(b"\r\n\r\n")
    headers = {}
    for line in head.decode().split("\r\n"):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    status = int(headers.pop("status", "200").split()[0])
    return Response(status, headers, body)
