// A change-stream consumer from another ecosystem: @vlasky/zongji streams
// stripesql's binary log in GTID mode (COM_BINLOG_DUMP_GTID from the set
// in COMPAT_GTID_SET) and prints one JSON line per row change, for
// internal/compat's zongji test to check.
import ZongJi from '@vlasky/zongji';

const zongji = new ZongJi({
  host: process.env.COMPAT_HOST,
  port: Number(process.env.COMPAT_PORT),
  user: process.env.COMPAT_USER || 'root',
  password: process.env.COMPAT_PASSWORD || '',
  dateStrings: true,
});

let gtid = null;
const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

zongji.on('ready', () => out({ ready: true }));
zongji.on('error', (err) => {
  out({ error: String(err && (err.sqlMessage || err.message || err)), code: err && err.errno });
  process.exit(1);
});
zongji.on('binlog', (evt) => {
  const type = evt.getTypeName();
  if (type === 'Gtid') {
    gtid = `${evt.sid}:${evt.gno}`;
    return;
  }
  const kind = { WriteRows: 'insert', UpdateRows: 'update', DeleteRows: 'delete' }[type];
  if (!kind) return;
  const table = evt.tableMap[evt.tableId].tableName;
  for (const row of evt.rows) {
    const rec = { gtid, kind, table };
    if (kind === 'update') {
      rec.before = row.before;
      rec.after = row.after;
    } else if (kind === 'insert') {
      rec.after = row;
    } else {
      rec.before = row;
    }
    out(rec);
  }
});

zongji.start({
  serverId: 3001,
  gtidSet: process.env.COMPAT_GTID_SET || '',
  includeEvents: ['gtid', 'tablemap', 'writerows', 'updaterows', 'deleterows'],
});
process.on('SIGTERM', () => { zongji.stop(); process.exit(0); });
