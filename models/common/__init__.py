"""What every room uses: the clock, Vietnamese text keys and dotted-code order, problems
named by file:line:field, YAML reading and schema checks, secret comparison, and the words
people read (gettext catalogues). Imports nothing of dondoc but its own modules."""
