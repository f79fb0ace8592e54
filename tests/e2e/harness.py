"""Starts real nginx and spawn-fcgi with mailautoconf on loopback.

nginx includes the shipped nginx/mailautoconf-locations.conf unchanged, so
the tests check the configuration that admins install. Requests are sent
as raw bytes, over plain HTTP or TLS, so recorded client requests replay
byte for byte.
"""

import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

BINARY = os.environ["MAILAUTOCONF_BINARY"]
SOURCE = os.environ["MAILAUTOCONF_SOURCE"]
TEMPLATES = os.path.join(SOURCE, "templates")
EXAMPLE = os.path.join(SOURCE, "examples", "provider.json")
SNIPPET = os.path.join(SOURCE, "nginx", "mailautoconf-locations.conf")
REQUESTS = os.path.join(SOURCE, "tests", "requests")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, what, timeout=10):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.02)


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # lower-case names
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())


def read_response(sock, head_only=False):
    """Reads one HTTP/1.1 response: Content-Length, chunked or close."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed inside the headers")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    _, status, reason = (lines[0].split(" ", 2) + [""])[:3]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()

    def more():
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed inside the body")
        return chunk

    if head_only:
        body = b""
    elif "content-length" in headers:
        length = int(headers["content-length"])
        while len(rest) < length:
            rest += more()
        body = rest[:length]
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            while b"\r\n" not in rest:
                rest += more()
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            while len(rest) < size + 2:
                rest += more()
            body += rest[:size]
            rest = rest[size + 2:]
            if size == 0:
                break
    else:
        body = rest
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return Response(int(status), reason, headers, body)


def error_code(body):
    """Returns the ErrorCode of an Autodiscover error document, or None."""
    for element in ET.fromstring(body).iter():
        if element.tag.endswith("}ErrorCode"):
            return element.text
    return None


def build_request(method, path, host, headers=None, body=b""):
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Stack:
    """nginx (HTTP and HTTPS) in front of spawn-fcgi and mailautoconf."""

    def __init__(self, provider=EXAMPLE, threads=4):
        self.dir = tempfile.mkdtemp(prefix="mailautoconf-e2e-")
        self.http_port = free_port()
        self.https_port = free_port()
        self.socket = os.path.join(self.dir, "mailautoconf.sock")
        self.log_path = os.path.join(self.dir, "mailautoconf.log")
        self.responder = self.web = None
        try:
            self._certificate()
            self._nginx_config()
            self._start(provider, threads)
        except BaseException:
            self.kill()
            raise

    def _certificate(self):
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-days", "2", "-subj", "/CN=autoconfig.example.com",
             "-keyout", os.path.join(self.dir, "key.pem"),
             "-out", os.path.join(self.dir, "cert.pem")],
            check=True, capture_output=True)

    def _nginx_config(self):
        shutil.copy("/etc/nginx/fastcgi_params", self.dir)
        os.makedirs(os.path.join(self.dir, "logs"))
        user = "user root;\n" if os.geteuid() == 0 else ""
        with open(os.path.join(self.dir, "nginx.conf"), "w") as conf:
            conf.write(f"""{user}worker_processes 1;
daemon off;
pid {self.dir}/nginx.pid;
error_log {self.dir}/logs/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {self.dir}/body;
    fastcgi_temp_path {self.dir}/fastcgi;
    upstream mailautoconf {{
        server unix:{self.socket};
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{self.http_port};
        listen 127.0.0.1:{self.https_port} ssl;
        server_name _;
        ssl_certificate {self.dir}/cert.pem;
        ssl_certificate_key {self.dir}/key.pem;
        include {SNIPPET};
        location / {{
            return 404;
        }}
    }}
}}
""")

    def _start(self, provider, threads):
        self.log_file = open(self.log_path, "wb")
        command = [BINARY, "serve", "--threads", str(threads), "--templates",
                   TEMPLATES, provider]
        if os.environ.get("MAILAUTOCONF_VALGRIND"):
            # A leak or memory error turns the exit status into 99.
            command = [shutil.which("valgrind"), "--quiet",
                       "--error-exitcode=99",
                       "--leak-check=full",
                       "--errors-for-leak-kinds=definite,indirect",
                       "--show-leak-kinds=definite,indirect"] + command
        self.responder = subprocess.Popen(
            ["spawn-fcgi", "-n", "-s", self.socket, "-M", "0666", "--"] +
            command, stdout=subprocess.DEVNULL, stderr=self.log_file)
        wait_for(lambda: b"serving" in self.log_bytes(), "mailautoconf",
                 timeout=60)
        self.web = subprocess.Popen(
            ["nginx", "-c", os.path.join(self.dir, "nginx.conf"),
             "-p", self.dir], stderr=subprocess.DEVNULL)
        wait_for(lambda: port_open(self.http_port) and
                 port_open(self.https_port), "nginx")

    def log_bytes(self):
        with open(self.log_path, "rb") as log:
            return log.read()

    def log_lines(self):
        return self.log_bytes().decode("utf-8", "replace").splitlines()

    def send(self, raw, tls=False, head_only=False):
        port = self.https_port if tls else self.http_port
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        if tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            sock = context.wrap_socket(sock)
        with sock:
            sock.sendall(raw)
            return read_response(sock, head_only)

    def request(self, method, path, host="example.com", headers=None,
                body=b"", tls=False):
        raw = build_request(method, path, host, headers, body)
        return self.send(raw, tls, head_only=method == "HEAD")

    def replay(self, name, tls=False):
        with open(os.path.join(REQUESTS, name), "rb") as request:
            return self.send(request.read(), tls)

    def stop(self):
        """Stops both; returns mailautoconf's exit status after SIGTERM."""
        if self.web is not None and self.web.poll() is None:
            self.web.send_signal(signal.SIGQUIT)
            self.web.wait(timeout=10)
        status = None
        if self.responder is not None and self.responder.poll() is None:
            self.responder.send_signal(signal.SIGTERM)
            status = self.responder.wait(timeout=60)
        self.log_file.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        return status

    def kill(self):
        for process in (self.web, self.responder):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class StackTest(unittest.TestCase):
    """Test case whose tests share one Stack. It fails at the end unless
    mailautoconf exits with 0 after SIGTERM."""

    @classmethod
    def setUpClass(cls):
        cls.stack = Stack()

    @classmethod
    def tearDownClass(cls):
        status = cls.stack.stop()
        assert status == 0, f"mailautoconf exited with {status}"
