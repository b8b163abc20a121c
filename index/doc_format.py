"""The version of the texts index/documents.py extracts from PDF and DOCX files.

Its own module because two modules key what they keep on disk by it:
index/documents.py (the cached texts, which re-exports it as
``documents.FORMAT``) and index/reader.py (remembered failures).  reader.py
imports no parser, so documents.py can import reader.py without a cycle.
"""

FORMAT = "10"  # bump when extraction changes what comes out: cached texts of another format are not used
