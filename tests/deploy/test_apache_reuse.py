"""apache/mailautoconf.conf, which keeps FastCGI connections open with
enablereuse=on, in a real Apache in front of mailautoconf: concurrent
requests, SIGHUP reloads under load, and a stop while Apache keeps idle
connections open, which must not wait for Apache to close them.
"""

import concurrent.futures
import os
import signal
import socket
import sys
import threading
import time
import unittest

import deploy

deploy.require(programs={"apache2": "apache2", "spawn-fcgi": "spawn-fcgi"},
               modules={"mod_proxy_fcgi.so": "apache2-bin"})

SETTINGS = """
Define MAILAUTOCONF_SOCKET {socket}
Define MAILAUTOCONF_HTTP_PORT {http}
Include {root}/mailautoconf.conf
"""

SHIPPED_TARGET = '"unix:${MAILAUTOCONF_SOCKET}|fcgi://localhost"'

AUTODISCOVER = (
    b'<?xml version="1.0"?><Autodiscover xmlns="http://schemas.microsoft.'
    b'com/exchange/autodiscover/outlook/requestschema/2006"><Request>'
    b'<EMailAddress>alice@example.com</EMailAddress>'
    b'<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/'
    b'autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>'
    b'</Request></Autodiscover>')


def padded_autodiscover(size):
    """Returns the Autodiscover request padded with a comment to size
    bytes."""
    end = b"</Autodiscover>"
    padding = size - len(AUTODISCOVER) - len(b"<!---->")
    return AUTODISCOVER[:-len(end)] + b"<!--" + b"x" * padding + b"-->" + end


class ReuseSite:
    """Apache with the shipped file, in front of mailautoconf under
    spawn-fcgi with the given worker threads."""

    def __init__(self, testcase, threads):
        self.root = deploy.make_tree(testcase)
        self.http = deploy.free_port()
        self.socket = os.path.join(self.root, "mailautoconf.sock")
        self.log = os.path.join(self.root, "mailautoconf.log")

        with open(os.path.join(deploy.SOURCE, "apache",
                               "mailautoconf.conf")) as f:
            site = f.read()
        if SHIPPED_TARGET + " enablereuse=on" not in site:
            raise RuntimeError("apache/mailautoconf.conf does not pass "
                               f"{SHIPPED_TARGET} with enablereuse=on")
        with open(os.path.join(self.root, "mailautoconf.conf"), "w") as f:
            f.write(site)

        self.responder = deploy.spawn_fcgi(
            self.socket, self.log, "--threads", str(threads), "--templates",
            os.path.join(deploy.SOURCE, "templates"),
            os.path.join(deploy.SOURCE, "examples", "provider.json"))
        testcase.addClassCleanup(deploy.stop_process, self.responder)
        self.apache = deploy.Apache(
            self.root, [self.http], ["proxy", "proxy_fcgi"],
            SETTINGS.format(socket=self.socket, http=self.http,
                            root=self.root))
        self.apache.start()
        testcase.addClassCleanup(self.apache.stop)

    def kept_connections(self):
        """Returns the number of sockets mailautoconf has open besides the
        listening one."""
        folder = f"/proc/{self.responder.pid}/fd"
        sockets = [name for name in os.listdir(folder)
                   if os.readlink(os.path.join(folder, name))
                   .startswith("socket:")]
        return len(sockets) - 1


class ConcurrencyTest(unittest.TestCase, deploy.ResponseChecks):

    @classmethod
    def setUpClass(cls):
        cls.site = ReuseSite(cls, threads=4)

    def send(self, request):
        return deploy.send_raw(self.site.http, request)

    def get_autoconfig(self):
        self.check_autoconfig_alice(self.send(deploy.request_bytes(
            "GET", "/mail/config-v1.1.xml?emailaddress=alice%40example.com",
            "autoconfig.example.com")))

    def head_autoconfig(self):
        response = self.send(deploy.request_bytes(
            "HEAD", "/mail/config-v1.1.xml", "autoconfig.example.com"))
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.body, b"")

    def post_autodiscover(self, body, status):
        response = self.send(deploy.request_bytes(
            "POST", "/autodiscover/autodiscover.xml",
            "autodiscover.example.com", body, ["Content-Type: text/xml"]))
        if status == 200:
            self.check_autodiscover_alice(response)
        else:
            self.assertEqual(response.status, status, response)

    def mixed_requests(self, seconds):
        """Sends GET, HEAD and POST requests from 64 threads for seconds
        and returns the number sent. Bodies range up to the 64 KiB limit
        and just over it, but stay under the 1 MiB that mailautoconf
        drains from a kept connection after a 413."""
        requests = [self.get_autoconfig, self.head_autoconfig,
                    lambda: self.post_autodiscover(AUTODISCOVER, 200)]
        for size, status in ((8191, 200), (65536, 200), (65537, 413),
                             (200 * 1024, 413)):
            body = padded_autodiscover(size)
            requests.append(lambda body=body, status=status:
                            self.post_autodiscover(body, status))
        deadline = time.monotonic() + seconds
        sent = [0] * 64

        def client(index):
            while time.monotonic() < deadline:
                requests[sent[index] % len(requests)]()
                sent[index] += 1

        with concurrent.futures.ThreadPoolExecutor(len(sent)) as pool:
            for future in [pool.submit(client, i) for i in range(len(sent))]:
                future.result()
        return sum(sent)

    def test_concurrent_requests(self):
        self.assertGreater(self.mixed_requests(5), 1000)
        self.assertGreater(self.site.kept_connections(), 1)

    def test_reload_during_requests(self):
        stop = threading.Event()

        def reload_often():
            while not stop.wait(0.2):
                self.site.responder.send_signal(signal.SIGHUP)

        reloader = threading.Thread(target=reload_often)
        reloader.start()
        try:
            self.mixed_requests(4)
        finally:
            stop.set()
            reloader.join()
        self.assertGreater(deploy.read_text(self.site.log).count("reloaded"),
                           10)


class StopTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.site = ReuseSite(cls, threads=1)

    def open_three_connections(self):
        """Makes Apache open three FastCGI connections: three POSTs send
        their bodies late, so that each keeps a connection busy until then."""
        body = AUTODISCOVER
        head = deploy.request_bytes(
            "POST", "/autodiscover/autodiscover.xml",
            "autodiscover.example.com", body, ["Content-Type: text/xml"])
        head = head[:-len(body)]
        clients = [socket.create_connection(("127.0.0.1", self.site.http),
                                            10) for _ in range(3)]
        for client in clients:
            client.sendall(head)
        time.sleep(0.5)
        # All bodies go out before any response is awaited, because the one
        # thread may be reading any of the three requests.
        for client in clients:
            client.sendall(body)
        for client in clients:
            with client:
                self.assertIn(b" 200 ", client.recv(4096))

    def test_stop_is_prompt(self):
        # libfcgi's own close would wait 2 s for each kept connection.
        self.open_three_connections()
        self.assertEqual(self.site.kept_connections(), 3)

        start = time.monotonic()
        status = deploy.stop_process(self.site.responder, timeout=20)
        elapsed = time.monotonic() - start
        self.assertEqual(status, 0)
        self.assertLess(elapsed, 2, f"mailautoconf took {elapsed:.1f} s to "
                                    "stop with 3 kept connections")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
