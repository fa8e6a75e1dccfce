"""Every request on record: one `RequestLog` row each, written off the request path."""
