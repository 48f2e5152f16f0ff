"""The browser workspace: read transcripts, code passages, review suggestions.

A Starlette app (:func:`mpsp_qual.web.app.create_app`) served by uvicorn on 127.0.0.1
(:func:`mpsp_qual.web.server.serve`, which ``mpsp-qual serve`` finds as the
``mpsp_qual.interfaces`` entry point ``serve``). Views call
:mod:`mpsp_qual.app.workspace` and render Jinja2 templates; a little plain JavaScript
in ``static/`` does selection and keys. No external assets.

This package MUST import only ``mpsp_qual.app`` and ``mpsp_qual.core`` of mpsp_qual; it
is a sibling of ``mpsp_qual.cli`` and neither imports the other. The web framework is
imported here and nowhere else. This ``__init__`` imports nothing, so that loading the
package stays light.
"""
