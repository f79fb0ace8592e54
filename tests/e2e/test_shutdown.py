"""SIGTERM: mailautoconf finishes the request in hand, then exits 0.

The request is sent straight over FastCGI, because nginx buffers the whole
body before it passes a request on, so only a direct client can hold a
request open across the signal.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import unittest
import xml.etree.ElementTree as ET

import fcgi_client

BINARY = os.environ["MAILAUTOCONF_BINARY"]
SOURCE = os.environ["MAILAUTOCONF_SOURCE"]
BODY = (b'<?xml version="1.0" encoding="utf-8"?>'
        b'<Autodiscover xmlns="http://schemas.microsoft.com/exchange/'
        b'autodiscover/outlook/requestschema/2006"><Request>'
        b'<EMailAddress>alice@example.com</EMailAddress>'
        b'<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/'
        b'autodiscover/outlook/responseschema/2006a'
        b'</AcceptableResponseSchema></Request></Autodiscover>')
NS = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/" \
     "responseschema/2006a}"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ShutdownTest(unittest.TestCase):

    def start(self):
        port = free_port()
        process = subprocess.Popen(
            [BINARY, "serve", "--listen", f"127.0.0.1:{port}",
             "--templates", os.path.join(SOURCE, "templates"),
             os.path.join(SOURCE, "examples", "provider.json")],
            stderr=subprocess.PIPE)
        self.addCleanup(self.stop, process)
        line = process.stderr.readline().decode()
        self.assertIn("serving", line)
        return process, ("127.0.0.1", port)

    @staticmethod
    def stop(process):
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()

    def test_idle_stop_exits_zero(self):
        process, _ = self.start()
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        self.assertEqual(process.wait(timeout=5), 0)
        self.assertLess(time.monotonic() - started, 2.0)

    def test_request_in_hand_finishes(self):
        process, address = self.start()
        params = {
            "REQUEST_METHOD": "POST",
            "REQUEST_URI": "/autodiscover/autodiscover.xml",
            "HTTP_HOST": "autodiscover.example.com",
            "CONTENT_LENGTH": str(len(BODY)),
        }
        with socket.create_connection(address, timeout=10) as sock:
            sock.sendall(fcgi_client.begin(params) +
                         fcgi_client.stdin(BODY[:40], last=False))
            time.sleep(0.3)
            process.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            self.assertIsNone(process.poll(),
                              "exited with a request still in hand")
            sock.sendall(fcgi_client.stdin(BODY[40:]))
            status, headers, body = fcgi_client.read_response(sock)

        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/xml; charset=utf-8")
        root = ET.fromstring(body)
        types = [e.text for e in root.iter(NS + "Type")]
        self.assertEqual(types, ["IMAP", "POP3", "SMTP"])
        self.assertEqual(process.wait(timeout=5), 0)
        log = process.stderr.read().decode()
        self.assertIn("status=200", log)
        self.assertIn("stopping on SIGTERM", log)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
