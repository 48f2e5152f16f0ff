"""The inputs layer: what users hand the toolkit, read into plain data.

Transcript readers (one per layout, the layout detected from the content),
segmentation with spaCy, the participants register, codebooks, survey files and
report drafts. May import ``core`` and ``store`` only.
"""
