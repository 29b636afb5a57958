// mysql2 with its promise API: query() (text protocol, client-side
// escaping) and execute() (server-side prepared statement, binary
// protocol), the way Node.js services and many BI back ends use it.
'use strict';

const mysql = require('mysql2/promise');
const report = require('./compat_report');

report.run(async () => {
  const cfg = report.config();
  const conn = await mysql.createConnection({
    host: cfg.host, port: cfg.port, user: cfg.user, database: cfg.database,
    // DATETIME is zone-less; read it as UTC rather than the machine's zone.
    timezone: 'Z',
  });
  try {
    const out = { results: {} };
    const [dbs] = await conn.query('SHOW DATABASES');
    out.databases = dbs.map((r) => r.Database);
    const [tables] = await conn.query(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name', [cfg.database]);
    out.tables = tables.map((r) => r.name);
    // Column metadata as the driver reports it for a zero-row result.
    const [, fields] = await conn.query('SELECT * FROM ?? LIMIT 0', [cfg.table]);
    out.columns = Object.fromEntries(fields.map((f) => [f.name, report.typeName(f)]));

    const [plainRows, plainFields] = await conn.query(cfg.queries.plain);
    out.results.plain = report.result(plainRows, plainFields);
    const [prepRows, prepFields] = await conn.execute(cfg.queries.prepared, [cfg.param]);
    out.results.prepared = report.result(prepRows, prepFields);
    if (cfg.queries.decimal) {
      const [decRows, decFields] = await conn.execute(cfg.queries.decimal);
      out.results.decimal = report.result(decRows, decFields);
    }
    return out;
  } finally {
    await conn.end();
  }
});
