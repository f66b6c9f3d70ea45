-- Message templates a store wrote (protocol 4), replacing Carnet's for one purpose and
-- language; the drafts read them before the built-in ones.
CREATE TABLE template (
    id       TEXT PRIMARY KEY,
    purpose  TEXT NOT NULL,
    language TEXT NOT NULL,
    subject  TEXT NOT NULL,
    body     TEXT NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX template_for ON template(purpose, language);
