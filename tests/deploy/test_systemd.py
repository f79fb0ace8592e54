"""systemd/mailautoconf.service and systemd/mailautoconf.socket.

The units are checked in ways that need no running systemd manager, so
that the tests also run in containers. systemd-analyze verifies them and
rates the service's sandbox. strace shows that mailautoconf uses only the
system calls and address families that the sandbox allows, and never maps
memory writable and executable. systemd-socket-activate hands mailautoconf
a socket the way systemd does (LISTEN_PID, LISTEN_FDS, descriptor 3), with
Apache and the shipped apache/mailautoconf.conf in front.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import unittest

import deploy

deploy.require(programs={"systemd-analyze": "systemd",
                         "systemd-socket-activate": "systemd",
                         "strace": "strace", "apache2": "apache2"},
               modules={"mod_proxy_fcgi.so": "apache2-bin"})

UNITS = os.path.join(deploy.SOURCE, "systemd")
TEMPLATES = os.path.join(deploy.SOURCE, "templates")
PROVIDER = os.path.join(deploy.SOURCE, "examples", "provider.json")

# What the service's sandbox allows, as set in mailautoconf.service.
ALLOWED_GROUP = "@system-service"
DENIED_GROUPS = ("@privileged", "@resources")
ALLOWED_FAMILIES = {"AF_UNIX", "AF_INET", "AF_INET6"}
# systemd-analyze security rates exposure from 0.0 to 10.0, and its
# --threshold takes tenths, so 9 requires 0.9 or less.
EXPOSURE_THRESHOLD = "9"


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def units_for_this_build(folder):
    """Writes the shipped units into folder with the binary and provider
    paths of this build, as the install rules do for their prefix.
    Returns the two paths."""
    paths = []
    for name in ("mailautoconf.socket", "mailautoconf.service"):
        with open(os.path.join(UNITS, name)) as f:
            text = f.read()
        text = text.replace("/usr/bin/mailautoconf", deploy.BINARY)
        text = text.replace("/etc/mailautoconf/provider.json", PROVIDER)
        path = os.path.join(folder, name)
        with open(path, "w") as f:
            f.write(text)
        paths.append(path)
    return paths


def traced_child(pid):
    """Returns the PID of the one child of process pid."""
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        children = f.read().split()
    if len(children) != 1:
        raise RuntimeError(f"expected one child of PID {pid}, found "
                           f"{children}")
    return int(children[0])


def syscall_groups():
    """Parses `systemd-analyze syscall-filter` into {group: members}."""
    listing = run(["systemd-analyze", "syscall-filter"], check=True).stdout
    groups, current = {}, None
    for line in listing.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.strip(), set())
        elif current is not None and line.strip() and \
                not line.strip().startswith("#"):
            current.add(line.strip())
    return groups


def expand(groups, name, seen=None):
    seen = set() if seen is None else seen
    if not name.startswith("@"):
        return {name}
    if name in seen:
        return set()
    seen.add(name)
    calls = set()
    for member in groups[name]:
        calls |= expand(groups, member, seen)
    return calls


class UnitFileTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        folder = deploy.make_tree(cls)
        cls.socket_unit, cls.service_unit = units_for_this_build(folder)

    def test_units_verify(self):
        # --man=no, because the man pages exist only after an install.
        result = run(["systemd-analyze", "verify", "--man=no",
                      self.socket_unit, self.service_unit])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "")

    def test_service_exposure_below_one(self):
        result = run(["systemd-analyze", "security", "--offline=yes",
                      f"--threshold={EXPOSURE_THRESHOLD}",
                      self.service_unit])
        self.assertEqual(result.returncode, 0, result.stdout[-400:])
        self.assertRegex(result.stdout,
                         r"Overall exposure level for mailautoconf\.service:"
                         r" 0\.\d ")

    def test_service_settings(self):
        with open(os.path.join(UNITS, "mailautoconf.service")) as f:
            service = f.read()
        for line in ["ExecStart=/usr/bin/mailautoconf serve "
                     "/etc/mailautoconf/provider.json",
                     "ExecReload=/bin/kill -HUP $MAINPID",
                     "DynamicUser=yes", "Requires=mailautoconf.socket",
                     f"SystemCallFilter={ALLOWED_GROUP}",
                     "SystemCallFilter=~" + " ".join(DENIED_GROUPS),
                     "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
                     "MemoryDenyWriteExecute=yes", "CapabilityBoundingSet="]:
            with self.subTest(line=line):
                self.assertIn(line + "\n", service)

    def test_socket_settings(self):
        with open(os.path.join(UNITS, "mailautoconf.socket")) as f:
            unit = f.read()
        for line in ["ListenStream=/run/mailautoconf/mailautoconf.sock",
                     "SocketUser=www-data", "SocketGroup=www-data",
                     "SocketMode=0660"]:
            with self.subTest(line=line):
                self.assertIn(line + "\n", unit)


class SandboxTest(unittest.TestCase):
    """Runs mailautoconf under strace through requests, a reload and a
    stop, and compares what it did with the sandbox of the service."""

    @classmethod
    def setUpClass(cls):
        folder = deploy.make_tree(cls)
        cls.trace = os.path.join(folder, "strace.txt")
        log = os.path.join(folder, "mailautoconf.log")
        address = os.path.join(folder, "mailautoconf.sock")
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(address)
        listener.listen()

        with open(log, "wb") as stderr:
            process = subprocess.Popen(
                ["strace", "-f", "-qq", "-o", cls.trace, deploy.BINARY,
                 "serve", "--templates", TEMPLATES, PROVIDER],
                stdin=listener.fileno(), stdout=subprocess.DEVNULL,
                stderr=stderr)
        listener.close()
        traced = None
        cls.status = None
        try:
            deploy.wait_for(lambda: "serving" in deploy.read_text(log), 10,
                            "mailautoconf to start")
            # strace keeps signals to itself, so they go to its child.
            traced = traced_child(process.pid)
            for params, body in cls.requests():
                deploy.fcgi_request(address, params, body)
            os.kill(traced, signal.SIGHUP)
            deploy.wait_for(lambda: "reloaded" in deploy.read_text(log), 10,
                            "the reload")
            deploy.fcgi_request(address, cls.requests()[0][0])
            os.kill(traced, signal.SIGTERM)
            # strace exits with the status of the program it traced.
            cls.status = process.wait(timeout=10)
        finally:
            # After a failure above, mailautoconf would outlive strace.
            if cls.status is None and traced is not None:
                try:
                    os.kill(traced, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            deploy.stop_process(process)
        cls.log = deploy.read_text(log)

    @staticmethod
    def requests():
        body = (b'<Autodiscover xmlns="http://schemas.microsoft.com/exchange/'
                b'autodiscover/outlook/requestschema/2006"><Request>'
                b'<EMailAddress>alice@example.com</EMailAddress>'
                b'<AcceptableResponseSchema>http://schemas.microsoft.com/'
                b'exchange/autodiscover/outlook/responseschema/2006a'
                b'</AcceptableResponseSchema></Request></Autodiscover>')

        def get(uri):
            return {"REQUEST_METHOD": "GET", "REQUEST_URI": uri,
                    "QUERY_STRING": uri.partition("?")[2],
                    "HTTP_HOST": "autoconfig.example.com"}

        post = {"REQUEST_METHOD": "POST",
                "REQUEST_URI": "/autodiscover/autodiscover.xml",
                "HTTP_HOST": "autodiscover.example.com",
                "CONTENT_LENGTH": str(len(body))}
        return [
            (get("/mail/config-v1.1.xml?emailaddress=alice%40example.com"),
             b""),
            (post, body),
            (get("/autodiscover/autodiscover.json?Email=alice%40example.com"
                 "&Protocol=AutodiscoverV1"), b""),
            (get("/email.mobileconfig?emailaddress=alice%40example.com"),
             b""),
            (get("/no/such/path"), b""),
        ]

    def trace_lines(self):
        with open(self.trace) as f:
            return f.read().splitlines()

    def test_stops_cleanly(self):
        self.assertEqual(self.status, 0, self.log)
        self.assertEqual(self.log.count(" status=200 "), 5, self.log)

    def test_system_calls_allowed(self):
        groups = syscall_groups()
        allowed = expand(groups, ALLOWED_GROUP)
        for group in DENIED_GROUPS:
            allowed -= expand(groups, group)
        pattern = re.compile(r"^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]")
        used = set()
        for line in self.trace_lines():
            match = pattern.match(line)
            if match is not None:
                used.add(match.group(1))
        self.assertTrue(used & {"accept", "accept4"},
                        "the trace shows no accept; is it complete?")
        self.assertEqual(sorted(used - allowed), [])

    def test_address_families_allowed(self):
        families = set()
        for line in self.trace_lines():
            match = re.search(r"\bsocket(?:pair)?\((AF_[A-Z0-9]+)", line)
            if match is not None:
                families.add(match.group(1))
        self.assertEqual(sorted(families - ALLOWED_FAMILIES), [])

    def test_no_writable_executable_memory(self):
        # MemoryDenyWriteExecute rejects mappings that are writable and
        # executable at once, and making any mapping executable later.
        for line in self.trace_lines():
            with self.subTest(line=line):
                if re.search(r"\b(?:mmap|mprotect|pkey_mprotect)\(", line):
                    self.assertFalse("PROT_WRITE" in line and
                                     "PROT_EXEC" in line)
                if re.search(r"\b(?:mprotect|pkey_mprotect)\(", line):
                    self.assertNotIn("PROT_EXEC", line)


class SocketActivationTest(unittest.TestCase, deploy.ResponseChecks):
    """systemd-socket-activate listens like mailautoconf.socket, and on the
    first connection execs mailautoconf with LISTEN_PID, LISTEN_FDS and the
    socket on descriptor 3. Standard input is /dev/null, as under systemd,
    so only descriptor 3 can work."""

    @classmethod
    def setUpClass(cls):
        cls.root = deploy.make_tree(cls)
        cls.socket = os.path.join(cls.root, "mailautoconf.sock")
        cls.log = os.path.join(cls.root, "mailautoconf.log")
        cls.port = deploy.free_port()

        with open(cls.log, "wb") as stderr:
            cls.process = subprocess.Popen(
                ["systemd-socket-activate", "--listen", cls.socket,
                 "--fdname=mailautoconf.socket", "--",
                 deploy.BINARY, "serve", "--templates", TEMPLATES, PROVIDER],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=stderr)
        cls.addClassCleanup(deploy.stop_process, cls.process)
        deploy.wait_for(lambda: "Listening on" in deploy.read_text(cls.log),
                        10, "systemd-socket-activate to listen")
        # As SocketUser, SocketGroup and SocketMode do in the socket unit.
        deploy.give_to_worker(cls.socket)
        os.chmod(cls.socket, 0o660)

        cls.apache = deploy.Apache(
            cls.root, [cls.port], ["alias", "proxy", "proxy_fcgi"],
            f"Define MAILAUTOCONF_SOCKET {cls.socket}\n"
            f"Define MAILAUTOCONF_HTTP_PORT {cls.port}\n"
            f"Include {deploy.SOURCE}/apache/mailautoconf.conf\n")
        cls.apache.start()
        cls.addClassCleanup(cls.apache.stop)

    def test_1_recorded_requests(self):
        for name, request in deploy.recorded_requests().items():
            with self.subTest(request=name):
                self.check_recorded(name, deploy.send_raw(self.port, request))
        self.assertIn("on an inherited socket", deploy.read_text(self.log))

    def test_2_reload_and_stop(self):
        request = deploy.recorded_requests()["thunderbird-autoconfig.http"]
        # The first request makes systemd-socket-activate exec
        # mailautoconf, so that signals reach mailautoconf itself.
        self.check_autoconfig_alice(deploy.send_raw(self.port, request))

        self.process.send_signal(signal.SIGHUP)
        deploy.wait_for(lambda: "reloaded" in deploy.read_text(self.log),
                        10, "the reload")
        self.check_autoconfig_alice(deploy.send_raw(self.port, request))

        self.process.send_signal(signal.SIGTERM)
        self.assertEqual(self.process.wait(timeout=10), 0,
                         deploy.read_text(self.log))
        self.assertIn("stopped", deploy.read_text(self.log))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
