"""Exosuit core: providers, config, the edit engine. Never imports Textual."""

__version__ = "0.1.0"
