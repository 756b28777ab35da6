"""Renderers: a Report as terminal text, Markdown, JSON or one HTML file, and live progress."""
