"""The edition's build pipeline.

One stage a module, in the order ``build.py`` runs them:

    load      read the TEI safely (no DTD, no entities, no network)
    validate  RELAX NG grammar + Schematron rules, every problem at file:line:col
    model     the document as plain Python data: metadata, blocks, notes, names
    resolve   every id, note reference, cross-reference and name, on the whole model
    render    Jinja pages; ``rules`` is the one table of TEI element -> HTML
    write     all pages into a fresh directory, swapped in only when complete
"""
