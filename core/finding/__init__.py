"""Finding sounds the way sound designers do (issue 10): near-duplicates, search by word with
synonyms, suggested tags, filters (favourites, ratings, collections, duration, loops) and query
by any sound. Each module is headless; long work is a job generator (:mod:`core.jobs`)."""
