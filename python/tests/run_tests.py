"""Runs the Python tests for ctest: exits 77 (ctest's "skipped") with a
message when pytest or the module is missing, else pytest's status."""
import os
import sys

try:
    import pytest
except ImportError:
    print("skipped: pytest is not installed (Debian: python3-pytest)")
    sys.exit(77)
try:
    import mimeo  # noqa: F401
except ImportError as e:
    print("skipped: the mimeo module is not built (%s)" % e)
    sys.exit(77)

sys.exit(pytest.main(["-q", "-p", "no:cacheprovider",
                      os.path.dirname(os.path.abspath(__file__))] +
                     sys.argv[1:]))
