"""Sphinx configuration for the convbook book.

The book is built offline: chapters are executed by sphinx-gallery, math is rendered by a
local MathJax copy (``sphinx-mathjax-offline``), and no intersphinx inventories are
fetched (names of NumPy/SciPy/Keras objects stay plain text).
"""

import datetime
import os
import sys
from pathlib import Path

import convbook
from convbook import devices, settings

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

# Chapters run headless and with TensorFlow's start-up chatter off.
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

project = "convbook"
author = "The convbook authors"
copyright = "2026, the convbook authors"
release = convbook.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "sphinx_gallery.gen_gallery",
    "sphinx-mathjax-offline",  # copies MathJax into _static/ and points mathjax_path there
    "sphinx_copybutton",  # a copy button on every code cell (its clipboard.js is local)
    "benchmark_results",  # docs/_ext: renders the benchmarks' JSON on the Performance page
    "solutions",  # docs/_ext: each exercise's worked solution, collapsed (sphinx-design)
    "page_cache",  # docs/_ext: built chapter pages kept between builds (see its docstring)
]

exclude_patterns = ["_build"]
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "description"
# Keras' own docstrings (inherited by our callbacks) are not valid reST for this build.
autodoc_inherit_docstrings = False
autosummary_generate = False
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_rtype = False

sphinx_gallery_conf = {
    "examples_dirs": ["../gallery"],
    "gallery_dirs": ["auto_gallery"],
    # Every chapter (files named NN_*.py) is executed; the order is the file names' order.
    "filename_pattern": r"/\d\d_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("convbook",),
    "reference_url": {"convbook": None},
    "backreferences_dir": "gen_modules/backreferences",
    "prefer_full_module": {r"convbook\..*"},
    "remove_config_comments": True,
    "min_reported_time": 0,
    "show_memory": False,
    "show_signature": False,
    # After each chapter: matplotlib's defaults back, and Keras' global state cleared.
    "reset_modules": ("matplotlib", "chapter_isolation.reset_keras"),
    # The summary pages of run times load jQuery and DataTables from CDNs; each chapter
    # page states its own run time instead.
    "write_computation_times": False,
    # An animation held in a chapter's variable is embedded as matplotlib's JavaScript
    # player, every frame inline: nothing to fetch. convbook's animations
    # (convbook.plotting.animation.OfflineAnimation) also drop the player's Font Awesome
    # link to a CDN and draw its button icons as inline SVG.
    "matplotlib_animations": (True, "jshtml"),
    "default_thumb_file": None,
    "thumbnail_size": (320, 240),
}

# Copy buttons copy the code only: no ">>> " / "... " / "$ " prompts, no doctest output,
# and the output blocks under each cell get no button.
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_exclude = ".linenos, .gp, .go"
copybutton_selector = ":not(.sphx-glr-script-out) > div.highlight pre"

html_theme = "pydata_sphinx_theme"
html_title = "convbook"
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"
html_css_files = ["convbook.css"]
templates_path = ["_templates"]
html_theme_options = {
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
    "footer_start": ["copyright", "build-info"],
    "footer_end": ["sphinx-version"],
}
# Every page's footer says which budget and device produced its numbers.
html_context = {
    "default_mode": "auto",
    "convbook_budget": settings.budget(),
    "convbook_budget_meaning": settings.BUDGET_MEANINGS[settings.budget()],
    "convbook_device": devices.describe(),
    "convbook_built": datetime.date.today().isoformat(),
}
html_show_sourcelink = True
