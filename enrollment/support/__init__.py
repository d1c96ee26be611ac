"""The support console: search, the person page, registration edits, MCP IDs, merges and
passcode resends. services (what it changes), selectors (search and the person record),
forms, views and urls (mounted at /support/ under the "support" namespace)."""
