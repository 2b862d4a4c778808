"""Offline stand-in for the get-pip bootstrap script that ansible-test downloads.

ansible-test fetches get-pip-<version>.py from a host that machines with access to package
registries only cannot reach, unless the file is already in its cache. Installed there under the
cached name, this script bootstraps pip from the interpreter's own ensurepip and then asks pip for
the packages ansible-test passed, which reaches the package index as every other install does.
"""

import subprocess
import sys

# Options of get-pip itself that "pip install" does not know.
GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")


def main():
    # ensurepip has no quiet mode: its report is only worth showing when it fails.
    bootstrap = subprocess.run([sys.executable, "-m", "ensurepip", "--default-pip"], check=False,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    if bootstrap.returncode:
        sys.stderr.write(bootstrap.stdout)
        return bootstrap.returncode
    arguments = [argument for argument in sys.argv[1:] if argument not in GET_PIP_ONLY_OPTIONS]
    return subprocess.call([sys.executable, "-m", "pip", "install", "--quiet", "--upgrade"] + arguments)


if __name__ == "__main__":
    sys.exit(main())
