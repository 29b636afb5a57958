package binlog

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dolthub/vitess/go/mysql"
)

// Source is what a server streams: the logs of its accounts (each its
// own server uuid), as server ServerID.
type Source struct {
	Logs     []*Log
	ServerID uint32
	// Heartbeat is how often an idle stream sends a heartbeat (0: 15s):
	// a replica that hears nothing for its net timeout reconnects.
	Heartbeat time.Duration
}

// ErrorCode is the error a consumer that cannot be served gets: MySQL's
// ER_MASTER_FATAL_ERROR_READING_BINLOG, which replicas do not retry.
const ErrorCode = mysql.ERMasterFatalReadingBinlog

// Executed is the GTID set of every log, "" when empty.
func (s *Source) Executed() string { return s.join((*Log).Executed) }

// Purged is the GTID set no longer held, "" when none.
func (s *Source) Purged() string { return s.join((*Log).Purged) }

func (s *Source) join(f func(*Log) string) string {
	var parts []string
	for _, l := range s.Logs {
		if v := f(l); v != "" {
			parts = append(parts, v)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// End is the stream's position after the last transaction (of the
// first log: the one file's size).
func (s *Source) End() uint64 {
	var end uint64
	for _, l := range s.Logs {
		end = max(end, l.End())
	}
	return end
}

// fatal is the error a consumer gets, with advice.
func fatal(format string, args ...any) error {
	return mysql.NewSQLError(ErrorCode, "HY000", format, args...)
}

// snapshotAdvice says how to start over.
const snapshotAdvice = "take a new snapshot (mysqldump --single-transaction --source-data=2, or your connector's initial snapshot) and stream from the GTID set it records"

// check refuses a set the logs cannot continue: one naming a server
// uuid that is none of theirs, one holding transactions a log never
// made, or one missing transactions a log no longer holds.
func (s *Source) check(set mysql.Mysql56GTIDSet) error {
	ours := map[mysql.SID]*Log{}
	for _, l := range s.Logs {
		ours[mysql.SID(l.sid)] = l
	}
	for _, sid := range set.SIDs() {
		if ours[sid] == nil {
			return fatal("The GTID set names server %s, which is not this stripesql's (its log is %s, or it was lost with its cache directory); %s",
				sid, s.uuids(), snapshotAdvice)
		}
	}
	for _, l := range s.Logs {
		st, failed, _ := l.snapshot()
		if failed != nil {
			return fatal("The binary log of %s could not be written to disk (%v); restart stripesql and %s", l.db, failed, snapshotAdvice)
		}
		sid := mysql.SID(l.sid)
		mine, _ := mysql.ParseMysql56GTIDSet(l.Executed())
		theirs := mysql.Mysql56GTIDSet{}
		if ivs, ok := set[sid]; ok {
			theirs[sid] = ivs
		}
		if extra := theirs.Subtract(mine); extra != nil && extra.String() != "" {
			return fatal("The replica has transactions of %s that this stripesql never made (%s): its GTID set is from a log that was lost; %s",
				l.db, extra, snapshotAdvice)
		}
		if st.First > 1 && !set.Contains(mustSet(l.Purged())) {
			return fatal("Cannot replicate because the source purged required binary logs: transactions of %s before %s:%d are no longer kept (gtid_purged is %s); %s",
				l.db, st.UUID, st.First, l.Purged(), snapshotAdvice)
		}
	}
	return nil
}

func mustSet(s string) mysql.GTIDSet {
	set, err := mysql.ParseMysql56GTIDSet(s)
	if err != nil {
		return mysql.Mysql56GTIDSet{}
	}
	return set
}

func (s *Source) uuids() string {
	var out []string
	for _, l := range s.Logs {
		out = append(out, l.st.UUID)
	}
	return strings.Join(out, ", ")
}

// Dump streams to conn every transaction not in set, then each new one
// as it is made, until ctx ends or the consumer goes away.
//
// rotateChecksum says the consumer wants the artificial ROTATE that opens
// the stream checksummed too: a MySQL replica sets
// @source_binlog_checksum to the source's binlog_checksum (CRC32), while
// mysqlbinlog and go-mysql set 'NONE' (every other event is checksummed
// whatever they set).
func (s *Source) Dump(ctx context.Context, conn *mysql.Conn, set mysql.GTIDSet, rotateChecksum bool) error {
	var have mysql.Mysql56GTIDSet
	switch g := set.(type) {
	case nil:
		have = mysql.Mysql56GTIDSet{}
	case mysql.Mysql56GTIDSet:
		have = g
	default:
		return fatal("stripesql serves MySQL GTIDs (server_uuid:n); the consumer sent a %s GTID position", set.Flavor())
	}
	if err := s.check(have); err != nil {
		return err
	}
	w := &writer{conn: conn, serverID: s.ServerID}
	if err := s.preamble(w, rotateChecksum); err != nil {
		return nil // the consumer is gone
	}
	// next is each log's next number to consider.
	next := make([]int64, len(s.Logs))
	for i, l := range s.Logs {
		st, _, _ := l.snapshot()
		next[i] = st.First
	}
	beat := s.Heartbeat
	if beat <= 0 {
		beat = 15 * time.Second
	}
	for {
		var waits []chan struct{}
		for i, l := range s.Logs {
			st, failed, changed := l.snapshot()
			if failed != nil {
				return fatal("The binary log of %s could not be written to disk (%v); restart stripesql and %s", l.db, failed, snapshotAdvice)
			}
			if next[i] < st.First {
				return fatal("The consumer fell behind: transactions of %s up to %s:%d were purged while it read; %s",
					l.db, st.UUID, st.First-1, snapshotAdvice)
			}
			for ; next[i] <= st.Last; next[i]++ {
				gno := next[i]
				if have.ContainsGTID(mysql.Mysql56GTID{Server: mysql.SID(l.sid), Sequence: gno}) {
					continue
				}
				if err := s.send(w, l, gno); err != nil {
					return err
				}
			}
			waits = append(waits, changed)
		}
		if err := w.flush(); err != nil {
			return nil
		}
		if err := wait(ctx, waits, beat); err != nil {
			return nil
		}
		if !anyClosed(waits) {
			if err := w.heartbeat(s.End()); err != nil {
				return nil
			}
		}
	}
}

// send streams one transaction; an error is the consumer's to see (a
// record that cannot be read), nil when the consumer is gone.
func (s *Source) send(w *writer, l *Log, gno int64) error {
	b, err := l.read(gno)
	if err != nil {
		return fatal("Cannot read transaction %s:%d of %s from the binary log (%v); %s", l.st.UUID, gno, l.db, err, snapshotAdvice)
	}
	r, err := decodeRecord(b)
	if err != nil {
		return fatal("Transaction %s:%d of %s is unreadable (%v); %s", l.st.UUID, gno, l.db, err, snapshotAdvice)
	}
	for _, ev := range l.events(r, gno, s.ServerID) {
		if err := w.write(ev); err != nil {
			return errGone
		}
	}
	return nil
}

// errGone is a consumer that went away: nothing to tell it.
var errGone = context.Canceled

// preamble is what a stream opens with: a rotate to the file, its format
// description, and the GTIDs before it (those no longer held).
func (s *Source) preamble(w *writer, rotateChecksum bool) error {
	rotate := event(evRotate, header{serverID: s.ServerID, flags: flagArtificial}, rotateBody(4))
	if !rotateChecksum {
		rotate = rotate[:len(rotate)-checksumLen]
		binary.LittleEndian.PutUint32(rotate[9:], uint32(len(rotate)))
	}
	if err := w.write(rotate); err != nil {
		return err
	}
	fde := formatDescBody(uint32(time.Now().Unix()))
	pos := uint32(4 + eventSize(len(fde)))
	if err := w.write(event(evFormatDesc, header{ts: uint32(time.Now().Unix()), serverID: s.ServerID, logPos: pos}, fde)); err != nil {
		return err
	}
	purged := map[[16]byte][]interval{}
	for _, l := range s.Logs {
		if st, _, _ := l.snapshot(); st.First > 1 {
			purged[l.sid] = []interval{{1, st.First - 1}}
		}
	}
	body := previousGTIDsBody(purged)
	pos += uint32(eventSize(len(body)))
	return w.write(event(evPreviousGTIDs, header{ts: uint32(time.Now().Unix()), serverID: s.ServerID, logPos: pos}, body))
}

// wait waits for a change of any log, the heartbeat or the end.
func wait(ctx context.Context, changed []chan struct{}, beat time.Duration) error {
	done := make(chan struct{})
	defer close(done)
	any := make(chan struct{}, 1)
	for _, c := range changed {
		go func(c chan struct{}) {
			select {
			case <-c:
				select {
				case any <- struct{}{}:
				default:
				}
			case <-done:
			}
		}(c)
	}
	t := time.NewTimer(beat)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-any:
	case <-t.C:
	}
	return nil
}

func anyClosed(cs []chan struct{}) bool {
	for _, c := range cs {
		select {
		case <-c:
			return true
		default:
		}
	}
	return false
}

// writer sends events on a replication connection.
type writer struct {
	conn     *mysql.Conn
	serverID uint32
}

func (w *writer) write(ev []byte) error {
	return w.conn.WriteBinlogEvent(mysql.NewMysql56BinlogEvent(ev), false)
}

func (w *writer) flush() error { return w.conn.FlushBuffer() }

// heartbeat tells an idle consumer the stream is alive, at position pos.
func (w *writer) heartbeat(pos uint64) error {
	ev := event(evHeartbeat, header{serverID: w.serverID, logPos: uint32(pos), flags: flagArtificial}, []byte(File))
	if err := w.write(ev); err != nil {
		return err
	}
	return w.flush()
}

// sortedSIDs orders uuids as MySQL lists them.
func sortedSIDs(m map[[16]byte][]interval) [][16]byte {
	out := make([][16]byte, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i][:], out[j][:]) < 0 })
	return out
}

// SetAt is the GTID set a stream position stands for: the transactions
// of each log that end at or before pos in file (what mariadb-dump's
// --master-data writes is a position; consumers in GTID mode start from
// the set). ok is false for another file, or a position within the
// transactions a log no longer keeps.
func (s *Source) SetAt(file string, pos uint64) (string, bool) {
	if file != File {
		return "", false
	}
	var parts []string
	for _, l := range s.Logs {
		st, _, _ := l.snapshot()
		last := st.Last
		if pos < st.End {
			// The newest transaction starting before pos ends at or before it
			// (positions are transaction boundaries).
			lo, hi := st.First, st.Last // find the last gno with start < pos
			last = st.First - 1
			for lo <= hi {
				mid := lo + (hi-lo)/2
				b, err := l.read(mid)
				if err != nil {
					return "", false
				}
				r, err := decodeRecord(b)
				if err != nil {
					return "", false
				}
				if r.start < pos {
					last, lo = mid, mid+1
				} else {
					hi = mid - 1
				}
			}
			if last < st.First && st.First > 1 && !l.startsAt(st.First, pos) {
				return "", false // within the purged transactions
			}
		}
		if last > 0 {
			parts = append(parts, fmt.Sprintf("%s:1-%d", st.UUID, last))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ","), true
}

// startsAt reports whether transaction gno starts at pos.
func (l *Log) startsAt(gno int64, pos uint64) bool {
	b, err := l.read(gno)
	if err != nil {
		return false
	}
	r, err := decodeRecord(b)
	return err == nil && r.start == pos
}
