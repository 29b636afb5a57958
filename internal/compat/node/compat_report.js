// Shared by the Node.js clients of the compatibility suite (internal/compat).
//
// A client reads what to do from COMPAT_* environment variables set by
// compat_test.go, runs it through its driver, and prints one JSON report on
// stdout: what the driver handed to the application, each value tagged with
// its JavaScript type. compat_test.go compares it with the fake account.
'use strict';

const mysql = require('mysql2');

function config() {
  const env = process.env;
  return {
    host: env.COMPAT_HOST,
    port: Number(env.COMPAT_PORT),
    user: env.COMPAT_USER,
    database: env.COMPAT_DATABASE,
    table: env.COMPAT_TABLE,
    param: env.COMPAT_PARAM,
    queries: {
      plain: env.COMPAT_PLAIN_SQL,
      prepared: env.COMPAT_PREPARED_SQL,
      decimal: env.COMPAT_DECIMAL_SQL || '',
    },
  };
}

// typeName is the protocol type of a mysql2 field ("JSON", "DATETIME"...).
function typeName(field) {
  return mysql.Types[field.columnType] || String(field.columnType);
}

// Protocol type names (mysql2) and Cube's generic type names.
const decimalTypes = new Set(['DECIMAL', 'NEWDECIMAL', 'decimal']);
const dateTypes = new Set(['DATETIME', 'TIMESTAMP', 'DATE', 'timestamp']);

// cell tags a value with the type the driver returned it as. JavaScript has
// no decimal type: a DECIMAL column's string (mysql2's default) or number
// (decimalNumbers: true) is tagged "decimal". A DATETIME handed over as a
// string (dateStrings: true) is tagged "datetime_text".
function cell(value, type) {
  if (value === null || value === undefined) return { t: 'null', v: null };
  if (value instanceof Date) {
    return { t: 'datetime', v: value.toISOString() };
  }
  if (Buffer.isBuffer(value)) return { t: 'bytes', v: value.toString('utf8') };
  if (typeof value === 'bigint') return { t: 'int', v: value.toString() };
  if (typeof value === 'number') {
    if (decimalTypes.has(type)) return { t: 'decimal', v: String(value) };
    return { t: Number.isInteger(value) ? 'int' : 'float', v: String(value) };
  }
  if (typeof value === 'string') {
    if (decimalTypes.has(type)) return { t: 'decimal', v: value };
    if (dateTypes.has(type)) return { t: 'datetime_text', v: value };
    return { t: 'string', v: value };
  }
  if (typeof value === 'boolean') return { t: 'bool', v: String(value) };
  if (typeof value === 'object') return { t: 'json', v: value };
  return { t: 'other:' + typeof value, v: String(value) };
}

// result turns rows (objects keyed by column name) into the report's
// shape. columns: mysql2 fields, or [{name, type}] as a driver reports
// them, or null (names from the first row, types unknown).
function result(rows, columns) {
  if (!columns) {
    columns = Object.keys(rows[0] || {}).map((name) => ({ name, type: null }));
  } else if (columns.length && columns[0].columnType !== undefined) {
    columns = columns.map((f) => ({ name: f.name, type: typeName(f) }));
  }
  return {
    columns,
    rows: rows.map((row) => columns.map((c) => cell(row[c.name], c.type))),
  };
}

function emit(report) {
  process.stdout.write(JSON.stringify(report) + '\n');
}

// run reports a failure on stderr with a non-zero exit, so that the Go test
// shows the driver's own message.
function run(main) {
  main().then(
    (report) => {
      emit(report);
      process.exit(0);
    },
    (err) => {
      process.stderr.write((err && err.stack) || String(err));
      process.stderr.write('\n');
      process.exit(1);
    },
  );
}

module.exports = { config, cell, result, run, typeName };
