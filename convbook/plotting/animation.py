"""The player behind the book's animations: matplotlib's JavaScript player, made to work offline.

Every animation in :mod:`convbook.plotting` is a :class:`matplotlib.animation.FuncAnimation`
whose frames are drawn by one function of the frame number. Sphinx-gallery embeds it in
the chapter page with :meth:`~matplotlib.animation.Animation.to_jshtml`: every frame as
an inline PNG plus a small JavaScript player (play, pause, step, a slider). Matplotlib's
player takes its button icons from Font Awesome on a CDN, so a reader offline sees blank
buttons and the page asks the internet for a stylesheet. :class:`OfflineAnimation` is a
``FuncAnimation`` whose HTML has no remote reference: the stylesheet link is dropped and
each icon is drawn by a few lines of inline SVG (:func:`offline_jshtml`).

This module imports Matplotlib when it is imported; the plotting modules import it inside
the functions that animate.

Examples
--------
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> anim = animate(fig, lambda k: ax.set_title(f"frame {k}"), frames=3, interval=500)
>>> anim.frame_count, "https://" in anim.to_jshtml()
(3, False)
>>> plt.close(fig)
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from matplotlib.animation import FuncAnimation

from convbook import _checks

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "OfflineAnimation",
    "animate",
    "check_frame",
    "offline_jshtml",
    "palette_frames",
    "remote_references",
    "settle",
]

# One 16x16 icon per Font Awesome class matplotlib's player uses (fill = the text colour).
_ICON_PATHS = {
    "fa fa-minus": "M2 7h12v2H2z",
    "fa fa-plus": "M7 2h2v5h5v2H9v5H7V9H2V7h5z",
    "fa fa-play": "M4 2l10 6-10 6z",
    "fa fa-play fa-flip-horizontal": "M12 2L2 8l10 6z",
    "fa fa-pause": "M3 2h4v12H3zM9 2h4v12H9z",
    "fa fa-step-forward": "M2 2l8 6-8 6zM11 2h3v12h-3z",
    "fa fa-step-backward": "M14 2L6 8l8 6zM2 2h3v12H2z",
    "fa fa-fast-forward": "M1 2l6 6-6 6zM7 2l6 6-6 6zM13 2h2v12h-2z",
    "fa fa-fast-backward": "M15 2L9 8l6 6zM9 2L3 8l6 6zM1 2h2v12H1z",
}
_ICON = re.compile(r'<i class="(fa [^"]*)"></i>')
_REMOTE_LINK = re.compile(r"<link\b[^>]*\bhref=[\"']?(?:https?:)?//[^>]*>\s*", re.IGNORECASE)
_REMOTE_ATTRIBUTE = re.compile(
    r"""\b(?:src|href)\s*=\s*["']?((?:https?:)?//[^"'\s>]*)""", re.IGNORECASE
)
_PLAYER_IMAGE = re.compile(r'<img id="(_anim_img[0-9a-f]+)"')


def _svg_icon(classes: str) -> str:
    path = _ICON_PATHS.get(classes)
    if path is None:  # an icon this module does not know: keep the button usable
        return "?"
    return (
        '<svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" focusable="false">'
        f'<path fill="currentColor" d="{path}"/></svg>'
    )


def remote_references(html: str) -> list[str]:
    """Return every ``src=`` or ``href=`` address in ``html`` that points off the page's site.

    An address is remote when it starts with ``http://``, ``https://`` or ``//``.

    Examples
    --------
    >>> remote_references('<img src="a.png"><link href="https://cdn.example/x.css">')
    ['https://cdn.example/x.css']
    """
    return _REMOTE_ATTRIBUTE.findall(_checks.instance("html", html, str, "a string"))


def offline_jshtml(html: str, *, alt: str | None = None) -> str:
    """Make matplotlib's JavaScript player work offline: no CDN stylesheet, inline SVG icons.

    Parameters
    ----------
    html
        What :meth:`matplotlib.animation.Animation.to_jshtml` returned.
    alt
        A description of the animation for the player's image (screen readers, and
        readers whose browser shows no images).

    Returns
    -------
    str
        The same player without any remote reference.

    Raises
    ------
    ValueError
        If a remote reference is left that this function does not know how to replace
        (matplotlib changed its player).

    Examples
    --------
    >>> page = '<link rel="stylesheet" href="https://cdn/fa.css"><i class="fa fa-play"></i>'
    >>> offline_jshtml(page)
    '<svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" focusable="false"><path fill="currentColor" d="M4 2l10 6-10 6z"/></svg>'
    """  # noqa: E501
    html = _checks.instance("html", html, str, "a string")
    html = _REMOTE_LINK.sub("", html)
    html = _ICON.sub(lambda match: _svg_icon(match.group(1)), html)
    if alt is not None:
        text = _checks.text("alt", alt).replace("&", "&amp;").replace('"', "&quot;")
        html = _PLAYER_IMAGE.sub(lambda match: f'{match.group(0)} alt="{text}"', html)
    left = remote_references(html)
    if left:
        raise ValueError(
            f"the animation's HTML still loads {left[0]!r}; offline_jshtml knows how to "
            "remove only matplotlib's Font Awesome stylesheet."
        )
    return html


# Matplotlib breaks each frame's base64 text into lines ending in a backslash.
_PNG_FRAME = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=\\\n]+)")


def _fewer_colours(match: re.Match[str], colours: int) -> str:
    from PIL import Image

    original = base64.b64decode(match.group(1).replace("\\\n", ""))
    with Image.open(io.BytesIO(original)) as image:
        palette = image.convert("RGB").quantize(
            colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    smaller = io.BytesIO()
    palette.save(smaller, format="png", optimize=True)
    if smaller.tell() >= len(original):
        return match.group(0)
    return "data:image/png;base64," + base64.b64encode(smaller.getvalue()).decode("ascii")


def palette_frames(html: str, colours: int = 64) -> str:
    """Re-encode every embedded PNG frame of a player with a palette of ``colours`` colours.

    Book figures are flat colours and text, so a small palette (without dithering) looks
    the same and makes each frame three to four times smaller.

    Examples
    --------
    >>> palette_frames("no frames here")
    'no frames here'
    """
    html = _checks.instance("html", html, str, "a string")
    colours = _checks.integer("colours", colours, minimum=2, maximum=256)
    return _PNG_FRAME.sub(lambda match: _fewer_colours(match, colours), html)


class OfflineAnimation(FuncAnimation):
    """A :class:`~matplotlib.animation.FuncAnimation` whose HTML player works offline.

    ``to_jshtml`` (which sphinx-gallery and Jupyter call) returns the player passed through
    :func:`offline_jshtml`, its frames re-encoded by :func:`palette_frames`.
    ``frame_count`` is the number of frames of one cycle, and ``description`` the player
    image's alternative text.
    """

    def __init__(
        self, *args: Any, frame_count: int, description: str | None = None, **kwargs: Any
    ) -> None:
        self.frame_count = frame_count
        self.description = description
        super().__init__(*args, **kwargs)
        # Frame 0 is drawn before the animation is made (see animate), so even an animation
        # that is never played has shown something: matplotlib's warning about animations
        # "deleted without rendering anything" (at exit, in a script) does not apply.
        self._draw_was_started = True

    def to_jshtml(
        self, fps: float | None = None, embed_frames: bool = True, default_mode: str | None = None
    ) -> str:
        """Return the animation as a self-contained HTML/JavaScript player (no remote assets)."""
        html = super().to_jshtml(fps=fps, embed_frames=embed_frames, default_mode=default_mode)
        return offline_jshtml(palette_frames(html), alt=self.description)


def settle(fig: Figure) -> None:
    """Lay ``fig`` out once, as it is now, and keep that layout for every later frame.

    A layout redone per frame would make the panels jump when a label grows (and costs
    time per frame); a fixed layout also lets a frame place artists by the axes' final
    positions (an arrow from one panel to another).
    """
    if fig.get_layout_engine() is not None:
        fig.draw_without_rendering()
        fig.set_layout_engine("none")


def check_frame(k: object, frame_count: int) -> int:
    """Return ``k`` if it is a frame number from 0 to ``frame_count - 1``, or raise.

    Examples
    --------
    >>> check_frame(3, 16)
    3
    >>> check_frame(16, 16)
    Traceback (most recent call last):
    ...
    ValueError: k must be an integer from 0 to 15; got 16.
    """
    return _checks.integer("k", k, minimum=0, maximum=frame_count - 1)


def animate(
    fig: Figure,
    draw_frame: Callable[[int], object],
    frames: int,
    interval: int,
    *,
    description: str | None = None,
) -> OfflineAnimation:
    """Animate ``fig`` by calling ``draw_frame(k)`` for ``k = 0 .. frames - 1``, in a loop.

    Frame 0 is drawn at once, so the figure is also a still picture of the first step, and
    the figure's layout is computed for it and then kept for every frame.

    Parameters
    ----------
    fig
        The figure the frames are drawn on.
    draw_frame
        Updates the figure's artists to show frame ``k``.
    frames
        Frames in one cycle.
    interval
        Milliseconds each frame stays on screen.
    description
        Alternative text for the player's image.

    Returns
    -------
    OfflineAnimation
    """
    frames = _checks.positive_int("frames", frames)
    interval = _checks.positive_int("interval", interval)
    draw_frame(0)
    settle(fig)
    return OfflineAnimation(
        fig,
        draw_frame,
        frames=frames,
        init_func=lambda: draw_frame(0),
        interval=interval,
        repeat=True,
        blit=False,
        cache_frame_data=False,
        frame_count=frames,
        description=description,
    )
