"""Offline stand-in for get-pip.py, used by ansible-test to put pip into its venvs.

ansible-test runs this file with pip-install style arguments (e.g. ``pip==25.2
--no-setuptools --no-wheel``). Instead of unpacking an embedded pip, install the
interpreter's bundled pip with ensurepip, then let it install the requested version
from the configured package index.
"""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'])
subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--disable-pip-version-check'] + args)
