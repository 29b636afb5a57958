// Evidence's MySQL connector (@evidence-dev/mysql): testConnection, then
// queries through the runner Evidence builds from a source's options. The
// runner streams rows in batches, reports Evidence column types, and counts
// rows with a `WITH root AS (...) SELECT COUNT(*)` query. Evidence queries
// take no parameters, so this client runs no "prepared" query.
'use strict';

const evidence = require('@evidence-dev/mysql');
const report = require('./compat_report');

async function runQuery(runner, sql) {
  const res = await runner(sql, 'compat.sql', 1000);
  const rows = [];
  for await (const batch of res.rows()) rows.push(...batch);
  return { rows, columnTypes: res.columnTypes, expectedRowCount: res.expectedRowCount };
}

report.run(async () => {
  const cfg = report.config();
  const opts = {
    host: cfg.host, port: cfg.port, user: cfg.user, password: '', database: cfg.database, ssl: 'false',
  };
  const ok = await evidence.testConnection(opts);
  if (ok !== true) throw new Error('testConnection: ' + JSON.stringify(ok));
  const runner = await evidence.getRunner(opts);
  const out = { results: {} };
  // Evidence lower-cases column names.
  out.databases = (await runQuery(runner, 'SHOW DATABASES')).rows.map((r) => r.database);
  out.tables = (await runQuery(runner, 'SHOW TABLES')).rows.map((r) => r['tables_in_' + cfg.database]);
  const cols = await runQuery(runner,
    `SELECT column_name, column_type FROM information_schema.columns WHERE table_schema = '${cfg.database}' AND table_name = '${cfg.table}' ORDER BY ordinal_position`);
  out.columns = Object.fromEntries(cols.rows.map((r) => [r.column_name, r.column_type]));

  for (const name of ['plain', 'decimal']) {
    if (!cfg.queries[name]) continue;
    const res = await runQuery(runner, cfg.queries[name]);
    // Evidence's own column types ("number", "date", "string") and the
    // row count it computed separately.
    const columns = res.columnTypes.map((c) => ({ name: c.name, type: c.evidenceType }));
    out.results[name] = report.result(res.rows, columns);
    out.results[name].row_count = res.expectedRowCount;
  }
  return out;
});
