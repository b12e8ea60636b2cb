"""Demo data: a seeded generator of landing-zone exports in the real formats that reproduce the
2013–2014 research figures (see ``docs/demo-data.md``)."""
