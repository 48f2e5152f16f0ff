"""The core layer: the nouns of the toolkit (model), errors with hints, output files,
the word counter, the option vocabularies, the documented columns and the version.

This package MUST NOT import from anything else in mpsp_qual; every other layer may
import it.
"""
