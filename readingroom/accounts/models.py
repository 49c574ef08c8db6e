"""No tables of its own: the roles are auth groups (roles.py), the audit log is records.AuditEvent. The module
exists so that Django sends this app post_migrate (apps.py makes the roles' groups then)."""
