"""Everything kam keeps on disk.

- files.py: atomic replacement and locking, for every file kam writes (spreadsheets too);
- history.py: the audit log (kam.history.jsonl);
- backups.py: the backups kept before each commit (kam.backups/);
- db.py: the database (the only module importing tinydb), composing the three.
"""
