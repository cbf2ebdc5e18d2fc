"""Pages of the web app. Views stay thin: parse, call one service or selector, render."""

from diary.web.views.home import healthz, home

__all__ = ["healthz", "home"]
