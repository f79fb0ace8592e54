"""SIGHUP: the provider file is loaded again without a failed request.

Requests go straight over FastCGI so that the test controls when each part
of a request arrives relative to the signal.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import xml.etree.ElementTree as ET

import fcgi_client

BINARY = os.environ["MAILAUTOCONF_BINARY"]
SOURCE = os.environ["MAILAUTOCONF_SOURCE"]
EXAMPLE = os.path.join(SOURCE, "examples", "provider.json")
NS = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/" \
     "responseschema/2006a}"


def pox_body(address):
    return ('<Autodiscover xmlns="http://schemas.microsoft.com/exchange/'
            'autodiscover/outlook/requestschema/2006"><Request>'
            f'<EMailAddress>{address}</EMailAddress></Request>'
            '</Autodiscover>').encode()


def autoconfig_params(address):
    return {
        "REQUEST_METHOD": "GET",
        "REQUEST_URI": "/mail/config-v1.1.xml",
        "QUERY_STRING": "emailaddress=" + address.replace("@", "%40"),
        "HTTP_HOST": "autoconfig.example.com",
    }


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ReloadTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mailautoconf-reload-")
        self.addCleanup(shutil.rmtree, self.dir)
        self.provider = os.path.join(self.dir, "provider.json")
        shutil.copy(EXAMPLE, self.provider)
        self.log_path = os.path.join(self.dir, "stderr.log")
        self.log = open(self.log_path, "wb")
        self.addCleanup(self.log.close)
        port = free_port()
        self.address = ("127.0.0.1", port)
        self.process = subprocess.Popen(
            [BINARY, "serve", "--listen", f"127.0.0.1:{port}",
             "--templates", os.path.join(SOURCE, "templates"),
             self.provider],
            stderr=self.log)
        self.addCleanup(self.stop)
        deadline = time.monotonic() + 5
        while b"serving" not in self.read_log():
            self.assertLess(time.monotonic(), deadline, "did not start")
            time.sleep(0.02)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                status = self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                # Leave no process behind when SIGTERM goes unhandled.
                self.process.kill()
                self.process.wait()
                raise
            self.assertEqual(status, 0)

    def read_log(self):
        with open(self.log_path, "rb") as log:
            return log.read()

    def write_provider(self, text):
        # Replace the file in one step, as an editor or deployment does.
        temporary = self.provider + ".new"
        with open(temporary, "w") as out:
            out.write(text)
        os.replace(temporary, self.provider)

    def hup_and_wait(self, expected):
        count = self.read_log().count(expected)
        self.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 5
        while self.read_log().count(expected) == count:
            self.assertLess(time.monotonic(), deadline,
                            f"no '{expected.decode()}' in the log")
            time.sleep(0.02)

    def status_for(self, address):
        status, _, _ = fcgi_client.request(self.address,
                                           autoconfig_params(address))
        return status

    def test_new_file_takes_effect(self):
        self.assertEqual(self.status_for("a@example.org"), 200)
        with open(EXAMPLE) as example:
            text = example.read()
        self.write_provider(text.replace('"example.net", "example.org"',
                                         '"example.net"'))
        self.hup_and_wait(b"reloaded")
        self.assertEqual(self.status_for("a@example.org"), 404)
        self.assertEqual(self.status_for("a@example.net"), 200)

    def test_broken_file_keeps_old_configuration(self):
        self.write_provider('{"providers": [')
        self.hup_and_wait(b"reload failed")
        self.assertIn(b"invalid JSON", self.read_log())
        self.assertEqual(self.status_for("a@example.org"), 200)
        self.assertIsNone(self.process.poll())

    def test_reload_error_is_one_line(self):
        with open(EXAMPLE) as example:
            document = json.load(example)
        document["providers"][0]["evil\nkey: forged\r\x1b[2J"] = 1
        self.write_provider(json.dumps(document))
        self.hup_and_wait(b"reload failed")
        lines = self.read_log().decode().splitlines()
        failed = [line for line in lines if "reload failed" in line]
        self.assertEqual(len(failed), 1, lines)
        self.assertIn("unknown key 'evil\\x0akey: forged\\x0d\\x1b[2J'",
                      failed[0])
        self.assertTrue(failed[0].endswith("keeping the current "
                                           "configuration"), failed[0])
        self.assertFalse(any(line.startswith("key: forged")
                             for line in lines), lines)
        self.assertNotIn(b"\x1b", self.read_log())

    def test_fifo_provider_fails_reload(self):
        # Opening a FIFO that has no writer blocks, and a reload blocked
        # there would leave later signals, SIGTERM too, unhandled.
        fifo = self.provider + ".fifo"
        os.mkfifo(fifo)
        os.replace(fifo, self.provider)
        self.hup_and_wait(b"reload failed")
        failed = [line for line in self.read_log().decode().splitlines()
                  if "reload failed" in line]
        self.assertEqual(len(failed), 1, failed)
        self.assertIn(self.provider + ": not a regular file", failed[0])
        self.assertEqual(self.status_for("a@example.org"), 200)
        self.hup_and_wait(b"reload failed")
        self.assertEqual(self.status_for("a@example.org"), 200)
        self.process.send_signal(signal.SIGTERM)
        self.assertEqual(self.process.wait(timeout=5), 0)

    def test_request_in_hand_keeps_its_configuration(self):
        body = pox_body("alice@example.com")
        params = {
            "REQUEST_METHOD": "POST",
            "REQUEST_URI": "/autodiscover/autodiscover.xml",
            "HTTP_HOST": "autodiscover.example.com",
            "CONTENT_LENGTH": str(len(body)),
        }
        with socket.create_connection(self.address, timeout=10) as sock:
            sock.sendall(fcgi_client.begin(params) +
                         fcgi_client.stdin(body[:30], last=False))
            time.sleep(0.2)
            with open(EXAMPLE) as example:
                text = example.read()
            self.write_provider(text.replace('"example.com"',
                                             '"example.info"'))
            self.hup_and_wait(b"reloaded")
            sock.sendall(fcgi_client.stdin(body[30:]))
            status, _, answer = fcgi_client.read_response(sock)

        self.assertEqual(status, 200)
        root = ET.fromstring(answer)
        self.assertEqual([e.text for e in root.iter(NS + "Type")],
                         ["IMAP", "POP3", "SMTP"])
        self.assertEqual(self.status_for("a@example.com"), 404)
        self.assertEqual(self.status_for("a@example.info"), 200)

    def test_no_failed_request_while_reloading(self):
        failures = []
        stop = threading.Event()
        counts = [0]

        def client():
            while not stop.is_set():
                try:
                    status = self.status_for("alice@example.com")
                except OSError as error:
                    failures.append(repr(error))
                    continue
                counts[0] += 1
                if status != 200:
                    failures.append(status)

        threads = [threading.Thread(target=client) for _ in range(4)]
        for thread in threads:
            thread.start()
        for _ in range(30):
            self.process.send_signal(signal.SIGHUP)
            time.sleep(0.03)
        stop.set()
        for thread in threads:
            thread.join()

        self.assertEqual(failures, [])
        self.assertGreater(counts[0], 30)
        self.assertGreaterEqual(self.read_log().count(b"reloaded"), 1)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
