-- Settings for the whole network, chosen by coordinators: for now how many months after
-- leaving a member is erased (`retention_months`; none: never). A change raises the
-- network-wide data version, so pages that show it are made afresh.
CREATE TABLE network_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE CONSTRAINT TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE ON network_settings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_by_global();
