"""Citing records: one CSL-JSON mapping (csl.py), citations rendered by citeproc-py from the official CSL styles
(styles.py), download formats registered in one table (formats.py) and the metadata embedded in a record page
(metadata.py). This package reads records and never the web: web/citations.py serves what it makes."""
