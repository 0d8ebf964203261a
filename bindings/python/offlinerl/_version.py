"""The binding's own version: the one place it is written.

``pyproject.toml`` reads it (``[tool.setuptools.dynamic]``), so it is the installed
package's metadata version too. It follows the C library's version: the major must be
the library's (another major is refused), a different minor is warned about.
"""

__binding_version__ = "0.2.0"
