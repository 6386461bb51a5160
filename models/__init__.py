"""The domain, room by room, each importing only the rooms below it:

    report   digest, period reports, rollup, dashboard queries, outcome indices
    chase    what is sent when, the outbox, notices
    access   people linked to units, web sign-in, signed links
    engine   apply, opening, lifecycle, policies, as-of
    plans    plan YAML, timing grammar, validation, intake of documents
    org      the directory, vocabulary, drafts, successions
    calendar periods, working days, reminder stages
    store    tables, database, migrations, run lock
    common   clock, text, YAML, schema, words

Nothing here imports bots, web, flows or cli."""
