"""Sphinx configuration for the convbook book."""

import convbook

project = "convbook"
author = "The convbook authors"
copyright = "2026, the convbook authors"
release = convbook.__version__
version = release

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon"]
exclude_patterns = ["_build"]
html_theme = "pydata_sphinx_theme"
html_title = "convbook"
