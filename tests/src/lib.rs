//! End-to-end tests for embedpos live under `tests/`; this library is empty.
