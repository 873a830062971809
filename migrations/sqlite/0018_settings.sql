-- Settings for the whole network, chosen by coordinators: for now how many months after
-- leaving a member is erased (`retention_months`; none: never). A change raises the
-- network-wide data version, so pages that show it are made afresh.
CREATE TABLE network_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TRIGGER dv_network_settings_ins AFTER INSERT ON network_settings BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = 0;
END;
CREATE TRIGGER dv_network_settings_upd AFTER UPDATE ON network_settings BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = 0;
END;
CREATE TRIGGER dv_network_settings_del AFTER DELETE ON network_settings BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = 0;
END;
