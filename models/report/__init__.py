"""Telling the coordinator: counting as government reports count (`rollup`), the digest,
the period report (`period`: Excel, HTML, PDF; `word`: the Word document), rendering, the
dashboard's queries and the outcome indices. The top room: may import every other."""
