"""The dashboard of a municipality's (or a corporation's) projects: aggregates only.

- `periods`: closed quarters, calendar years, runs of years, and today;
- `data`: the counts, as `disclosure.Cell`s, one aggregate query per figure;
- `disclosure`: the one rule for what is published (the cell key method);
- `tables`: the tables, charts and CSV rows of one period;
- `store`: closed periods computed once and kept;
- `views`: the page, its CSV files, its print version and the definitions page.
"""
