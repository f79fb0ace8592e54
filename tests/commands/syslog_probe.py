"""Runs inside a private mount namespace (see test_syslog.py): puts a
fresh /dev with a syslog socket in place, starts mailautoconf with
--syslog, sends one request and prints what reached the socket."""

import os
import signal
import socket
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import fcgi_client  # noqa: E402

binary, source, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/dev"], check=True)
os.mknod("/dev/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
log = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
log.bind("/dev/log")
log.settimeout(5)

process = subprocess.Popen(
    [binary, "serve", "--syslog", "--listen", f"127.0.0.1:{port}",
     "--templates", os.path.join(source, "templates"),
     os.path.join(source, "examples", "provider.json")],
    stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
messages = [log.recv(4096).decode()]  # the "serving" line
fcgi_client.request(("127.0.0.1", port), {
    "REQUEST_METHOD": "GET", "REQUEST_URI": "/mail/config-v1.1.xml",
    "QUERY_STRING": "emailaddress=alice%40example.com",
    "HTTP_HOST": "autoconfig.example.com"})
messages.append(log.recv(4096).decode())
process.send_signal(signal.SIGTERM)
status = process.wait(timeout=10)
stderr = process.stderr.read().decode()
print(repr({"messages": messages, "status": status,
             "stderr": stderr}))
