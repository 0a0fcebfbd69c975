"""Reading a student's source, parsed and never run: the purity cells' evidence, the flags for a person, forbidden uses.

One package for everything the trusted side learns from a notebook's text
(docs/architecture.md, "Reading student source"), with one table of the names
it treats as opaque or internal (:mod:`autograder.reading.names`).
"""
