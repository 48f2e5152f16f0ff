"""The consent layer: the quote gate, redaction, approvals, verification of drafts
and withdrawal.

Nothing a participant who declined quotes or withdrew said leaves through here. May
import every layer below it (``core``, ``store``, ``inputs``, ``coding``,
``analysis``), never ``formats``, ``app`` or an interface.
"""
