"""The bundled data of zhspeech, installed as the package ``zhspeech.data``.

This folder is both what you see and edit in a checkout and what a wheel installs:
``pyproject.toml`` maps it to ``zhspeech.data`` and ships ``lexicons/`` and
``reference/``; the library reads them through ``importlib.resources``.
"""
