-- Each audit event keeps the id of the request that wrote it (ASVS V16.2.1): the same id is in
-- the X-Request-Id answer header, in the request's log lines and (with the README's nginx
-- configuration) in the proxy's access log, so an event can be joined to where it came from.
-- NULL for events written outside a request and for those written before this.
ALTER TABLE audit_events ADD COLUMN request_id TEXT;
