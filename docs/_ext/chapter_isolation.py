"""Keep one chapter's Keras state from slowing down the chapters built after it.

sphinx-gallery runs every chapter in the one ``sphinx-build`` process. Each chapter builds
and trains many models, and Keras keeps global state for all of them (layer-name counters,
the TensorFlow graph and kernel caches). :func:`reset_keras` is listed in
``sphinx_gallery_conf["reset_modules"]`` and clears that state after each chapter, as a
fresh Python process running the chapter on its own would start.
"""

from __future__ import annotations

import sys


def reset_keras(gallery_conf: dict, fname: str, when: str) -> None:
    """Clear Keras' global state once a chapter has run (a no-op before Keras is loaded)."""
    keras = sys.modules.get("keras")
    if when == "after" and keras is not None:
        keras.backend.clear_session()
