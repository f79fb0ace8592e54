"""Kept FastCGI connections: a worker thread that is full closes the one
idle longest at once, and a stop closes idle ones without waiting for the
peer. Apache keeps the idle connections of its pool open and never closes
them itself, which these tests imitate by holding the sockets open.

The connections are made straight over FastCGI, because the tests must
decide when each connection is idle.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import unittest

import fcgi_client

BINARY = os.environ["MAILAUTOCONF_BINARY"]
SOURCE = os.environ["MAILAUTOCONF_SOURCE"]
PARAMS = {
    "REQUEST_METHOD": "GET",
    "REQUEST_URI": "/mail/config-v1.1.xml?emailaddress=alice%40example.com",
    "QUERY_STRING": "emailaddress=alice%40example.com",
    "HTTP_HOST": "autoconfig.example.com",
}
# Kept connections one worker thread watches (WORKER_CONNECTIONS).
THREAD_CONNECTIONS = 256


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ConnectionTest(unittest.TestCase):

    def start(self, threads):
        port = free_port()
        process = subprocess.Popen(
            [BINARY, "serve", "--listen", f"127.0.0.1:{port}",
             "--threads", str(threads),
             "--templates", os.path.join(SOURCE, "templates"),
             os.path.join(SOURCE, "examples", "provider.json")],
            stderr=subprocess.DEVNULL)
        self.addCleanup(self.stop, process)
        address = ("127.0.0.1", port)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(address, timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        return process, address

    @staticmethod
    def stop(process):
        if process.poll() is None:
            process.kill()
            process.wait()

    def kept_request(self, sock):
        """Sends one request that keeps the connection; returns its status,
        or None when the responder closed the connection."""
        sock.sendall(fcgi_client.begin(PARAMS, keep=True) +
                     fcgi_client.stdin(b""))
        try:
            status, _, _ = fcgi_client.read_response(sock)
        except ConnectionError:
            return None
        return status

    def open_kept(self, address, count):
        sockets = []
        for _ in range(count):
            sock = socket.create_connection(address, timeout=10)
            self.addCleanup(sock.close)
            self.assertEqual(self.kept_request(sock), 200)
            sockets.append(sock)
        return sockets

    def test_full_thread_closes_longest_idle(self):
        process, address = self.start(threads=1)
        extra = 4
        started = time.monotonic()
        sockets = self.open_kept(address, THREAD_CONNECTIONS + extra)
        # No wait for the peer: libfcgi's close would take 2 s for each.
        self.assertLess(time.monotonic() - started, 5.0)

        for sock in sockets[:extra]:
            self.assertIsNone(self.kept_request(sock))
        for sock in sockets[extra:]:
            self.assertEqual(self.kept_request(sock), 200)
        self.assertIsNone(process.poll())

    def test_stop_closes_idle_connections_at_once(self):
        process, address = self.start(threads=2)
        self.open_kept(address, 8)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        self.assertEqual(process.wait(timeout=30), 0)
        self.assertLess(time.monotonic() - started, 1.5)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
