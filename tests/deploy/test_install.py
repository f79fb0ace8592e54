"""The install rules: two fresh builds of the source tree, installed the
two usual ways.

- Configured with the prefix /usr and installed with DESTDIR into a
  staging folder, as a package build does. The staged binary runs with
  --templates pointing into the staged tree.
- Configured with a temporary prefix and installed there without DESTDIR.
  That binary runs without --templates, so it finds the templates through
  the compiled-in default folder.
"""

import filecmp
import os
import subprocess
import sys
import unittest

import deploy

CMAKE = os.environ.get("MAILAUTOCONF_CMAKE", "cmake")
SOURCE = deploy.SOURCE
EXAMPLE = os.path.join(SOURCE, "examples", "provider.json")

AUTOCONFIG = {"REQUEST_METHOD": "GET",
              "REQUEST_URI": "/mail/config-v1.1.xml"
                             "?emailaddress=alice%40example.com",
              "QUERY_STRING": "emailaddress=alice%40example.com",
              "HTTP_HOST": "autoconfig.example.com"}


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True,
                            **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed with status "
                           f"{result.returncode}:\n{result.stdout}"
                           f"{result.stderr}")
    return result


def build_and_install(build, prefix, destdir=None):
    """Configures a new build of the source tree for prefix, builds it and
    installs it, into destdir when given. Returns the install output."""
    run([CMAKE, "-S", SOURCE, "-B", build,
         f"-DCMAKE_INSTALL_PREFIX={prefix}", "-DBUILD_TESTING=OFF"])
    run([CMAKE, "--build", build, "--parallel", str(os.cpu_count() or 2)])
    env = dict(os.environ)
    if destdir is not None:
        env["DESTDIR"] = destdir
    return run([CMAKE, "--install", build], env=env).stdout


class InstallTest(unittest.TestCase, deploy.ResponseChecks):

    @classmethod
    def setUpClass(cls):
        cls.root = deploy.make_tree(cls)
        cls.stage = os.path.join(cls.root, "stage")
        build_and_install(os.path.join(cls.root, "build-usr"), "/usr",
                          destdir=cls.stage)
        cls.prefix = os.path.join(cls.root, "prefix")
        cls.prefix_build = os.path.join(cls.root, "build-prefix")
        build_and_install(cls.prefix_build, cls.prefix)

    def staged(self, *parts):
        return os.path.join(self.stage, *parts)

    def serve(self, binary, *arguments):
        """Starts binary on a unix socket, sends one autoconfig request
        and returns the response, stopping the process afterwards."""
        address = os.path.join(self.root, f"serve-{self.id()}.sock")
        process = subprocess.Popen(
            [binary, "serve", "--listen", address, *arguments],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        try:
            line = process.stderr.readline().decode()
            self.assertIn("serving", line)
            return deploy.fcgi_request(address, AUTOCONFIG)
        finally:
            self.assertEqual(deploy.stop_process(process), 0)
            process.stderr.close()

    def assert_same_file(self, installed, source):
        self.assertTrue(os.path.isfile(installed), f"missing {installed}")
        self.assertTrue(filecmp.cmp(installed, source, shallow=False),
                        f"{installed} differs from {source}")

    def test_staged_layout(self):
        binary = self.staged("usr", "bin", "mailautoconf")
        self.assertTrue(os.access(binary, os.X_OK), f"missing {binary}")
        files = {
            ("etc", "mailautoconf", "provider.json"): EXAMPLE,
            ("usr", "share", "doc", "mailautoconf", "README.md"):
                "README.md",
            ("usr", "share", "man", "man8", "mailautoconf.8"):
                "man/mailautoconf.8",
            ("usr", "share", "man", "man5", "mailautoconf.json.5"):
                "man/mailautoconf.json.5",
            # For the prefix /usr the installed copies equal the sources.
            ("usr", "lib", "systemd", "system", "mailautoconf.service"):
                "systemd/mailautoconf.service",
            ("usr", "lib", "systemd", "system", "mailautoconf.socket"):
                "systemd/mailautoconf.socket",
            ("usr", "share", "mailautoconf", "apache", "mailautoconf.conf"):
                "apache/mailautoconf.conf",
            ("usr", "share", "mailautoconf", "apache", "htaccess"):
                "apache/htaccess",
            ("usr", "share", "mailautoconf", "apache", "mailautoconf.fcgi"):
                "apache/mailautoconf.fcgi",
        }
        for installed, source in files.items():
            with self.subTest(file=os.path.join(*installed)):
                self.assert_same_file(self.staged(*installed),
                                      os.path.join(SOURCE, source))
        self.assertTrue(os.access(
            self.staged("usr", "share", "mailautoconf", "apache",
                        "mailautoconf.fcgi"), os.X_OK))

    def test_staged_folders_complete(self):
        for installed, source in [
                (("usr", "share", "mailautoconf", "templates"), "templates"),
                (("usr", "share", "doc", "mailautoconf", "docs"), "docs")]:
            with self.subTest(folder=os.path.join(*installed)):
                folder = os.path.join(SOURCE, source)
                names = sorted(os.listdir(folder))
                self.assertEqual(sorted(os.listdir(self.staged(*installed))),
                                 names)
                for name in names:
                    self.assert_same_file(
                        self.staged(*installed, name),
                        os.path.join(folder, name))

    def test_staged_binary_serves(self):
        response = self.serve(
            self.staged("usr", "bin", "mailautoconf"),
            "--templates",
            self.staged("usr", "share", "mailautoconf", "templates"),
            self.staged("etc", "mailautoconf", "provider.json"))
        self.check_autoconfig_alice(response)

    def test_staged_default_template_folder(self):
        result = run([self.staged("usr", "bin", "mailautoconf"), "--help"])
        self.assertIn("(default /usr/share/mailautoconf/templates)",
                      result.stdout)

    def test_prefix_binary_uses_default_templates(self):
        templates = os.path.join(self.prefix, "share", "mailautoconf",
                                 "templates")
        binary = os.path.join(self.prefix, "bin", "mailautoconf")
        result = run([binary, "--help"])
        self.assertIn(f"(default {templates})", result.stdout)
        provider = os.path.join(self.prefix, "etc", "mailautoconf",
                                "provider.json")
        self.check_autoconfig_alice(self.serve(binary, provider))

    def test_prefix_paths_in_units_and_wrapper(self):
        binary = os.path.join(self.prefix, "bin", "mailautoconf")
        provider = os.path.join(self.prefix, "etc", "mailautoconf",
                                "provider.json")
        templates = os.path.join(self.prefix, "share", "mailautoconf",
                                 "templates")
        with open(os.path.join(self.prefix, "lib", "systemd", "system",
                               "mailautoconf.service")) as f:
            service = f.read()
        self.assertIn(f"\nExecStart={binary} serve {provider}\n", service)
        self.assertNotIn("/usr/bin/mailautoconf", service)
        with open(os.path.join(self.prefix, "share", "mailautoconf",
                               "apache", "mailautoconf.fcgi")) as f:
            wrapper = f.read()
        for line in [f': "${{MAILAUTOCONF_BINARY:={binary}}}"',
                     f': "${{MAILAUTOCONF_TEMPLATES:={templates}}}"',
                     f': "${{MAILAUTOCONF_PROVIDER:={provider}}}"']:
            with self.subTest(line=line):
                self.assertIn(line + "\n", wrapper)

    def test_reinstall_keeps_provider_file(self):
        provider = os.path.join(self.prefix, "etc", "mailautoconf",
                                "provider.json")
        edited = '{"providers": []}\n'
        with open(provider, "w") as f:
            f.write(edited)
        try:
            output = run([CMAKE, "--install", self.prefix_build]).stdout
            with open(provider) as f:
                self.assertEqual(f.read(), edited)
            self.assertIn(f"Keeping: {provider}", output)
        finally:
            with open(EXAMPLE) as source, open(provider, "w") as f:
                f.write(source.read())


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
