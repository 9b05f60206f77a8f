"""Use cases: what a user does (add, log, import, undo, export, ...), callable from the
CLI, the tests and the bench alike. Each takes a Context and returns data; none prints."""
