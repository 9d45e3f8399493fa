"""Merging copies of a database by note and by registry record, and syncing them with git.

* `revisions`: the rev, history and field revs every record carries, and tombstones.
* `core`: the merge of two databases' tables (pure: dicts in, dicts out).
* `registry`: how registry records are matched (guid, name, alias) and kept consistent.
* `files`: reading a database file for a merge, and writing the result.
* `conflicts`: listing and resolving what a merge could not decide.
* `git`: `git-setup`, the merge driver and the hooks.
* `copies`: the conflicted copies sync tools leave beside a database.

Nothing here is imported by the package on start but `revisions` (the service stamps
every save with it).
"""
