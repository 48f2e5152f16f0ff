"""The coding layer: auto-coding against the codebook, and the one rule for whose
codings count.

May import ``core``, ``store`` and ``inputs`` only.
"""
