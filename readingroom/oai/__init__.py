"""OAI-PMH 2.0: the archive's records for harvesters (docs/oai.md).

    arguments.py         one argument schema per verb, and the parsing of their values
    errors.py            one class per protocol error code
    responses.py         one builder per verb
    repository.py        the repository: arguments in, response document out
    provider.py          the storage-neutral interface the builders use (items, sets, datestamps)
    records_provider.py  that interface over Readingroom's records (records/harvest.py)
    tokens.py            resumption tokens: a cursor (datestamp, id), not an offset
    setspecs.py          collection keys as setSpecs, and back
    formats.py           metadata formats: the writer interface and its registry (entry points)
    dc.py, mods.py       the built-in formats, oai_dc and MODS 3.6

The web layer serves it at /oai (web/oai.py); this package imports the records layer, never the web.
"""
