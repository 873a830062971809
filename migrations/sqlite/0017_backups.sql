-- Backups taken on a schedule (`hearth serve --backup-dir`): one row per run, by whichever
-- instance took the run's job from the queue, so every instance and the coordinators' pages
-- can say when the last one was made, how big it was, or why it failed. A change raises the
-- network-wide data version, so pages that show it are made afresh.
CREATE TABLE backups (
    id INTEGER PRIMARY KEY,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    file TEXT NOT NULL DEFAULT '',
    bytes BIGINT NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT ''
);

CREATE TRIGGER dv_backups_ins AFTER INSERT ON backups BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = 0;
END;
CREATE TRIGGER dv_backups_upd AFTER UPDATE ON backups BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = 0;
END;
CREATE TRIGGER dv_backups_del AFTER DELETE ON backups BEGIN
    UPDATE data_versions SET version = version + 1 WHERE scope = 0;
END;
