"""--syslog sends the log lines to syslog, and nothing to stderr.

The test gives mailautoconf a syslog socket of its own at /dev/log in a
private mount namespace, so it needs root and unshare; without them it
exits with status 77, which ctest reports as skipped.
"""

import ast
import os
import shutil
import socket
import subprocess
import sys
import unittest

BINARY = os.environ["MAILAUTOCONF_BINARY"]
SOURCE = os.environ["MAILAUTOCONF_SOURCE"]
PROBE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                     "syslog_probe.py")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SyslogTest(unittest.TestCase):

    def test_lines_go_to_syslog(self):
        result = subprocess.run(
            ["unshare", "-m", "--propagation", "private", sys.executable,
             PROBE, BINARY, SOURCE, str(free_port())],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        report = ast.literal_eval(result.stdout.strip().splitlines()[-1])
        serving, request = report["messages"]
        self.assertRegex(serving, r"^<30>.*mailautoconf\[\d+\]: serving 2 "
                                  r"providers")
        self.assertRegex(request, r"^<30>.*mailautoconf\[\d+\]: method=GET "
                                  r"path='/mail/config-v1\.1\.xml' "
                                  r"status=200 domain='example\.com'")
        self.assertEqual(report["status"], 0)
        self.assertEqual(report["stderr"], "")


if __name__ == "__main__":
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        print("skipped: needs root and unshare for a private /dev/log")
        sys.exit(77)
    unittest.main(argv=sys.argv[:1], verbosity=2)
