"""Accounts: the roles (contributor, editor, administrator), login and logout, login throttling, rate limits,
security headers and the audit log's admin. docs/security.md describes them for users."""
