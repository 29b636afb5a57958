package binlog

import (
	"encoding/binary"
	"hash/crc32"
)

// Binlog events as MySQL 8.0 writes them (binlog version 4, 19-byte
// headers, CRC32 checksums): what a replica or a CDC tool reads after
// COM_BINLOG_DUMP_GTID.
const (
	evQuery          = 2
	evRotate         = 4
	evFormatDesc     = 15
	evXID            = 16
	evTableMap       = 19
	evWriteRowsV2    = 30
	evUpdateRowsV2   = 31
	evDeleteRowsV2   = 32
	evGTID           = 33
	evPreviousGTIDs  = 35
	evHeartbeat      = 27
	headerLen        = 19
	checksumLen      = 4
	flagArtificial   = 0x20
	checksumAlgCRC32 = 1

	// File is the one binary log file stripesql shows (SHOW BINARY LOGS):
	// its positions are the stream's byte offsets.
	File = "binlog.000001"
	// ServerVersion is what the format description says wrote the log.
	ServerVersion = "8.0.40-stripesql"
)

// postHeaderLens are MySQL 8.0's post-header lengths, by event type - 1,
// as its FORMAT_DESCRIPTION_EVENT lists them (readers size the fixed
// part of each event by them).
var postHeaderLens = []byte{
	56, 13, 0, 8, 0, 18, 0, 4, 4, 4, // 1-10
	4, 18, 0, 0, 98, 0, 4, 26, 8, 0, // 11-20
	0, 0, 8, 8, 8, 2, 0, 0, 0, 10, // 21-30
	10, 10, 42, 42, 0, 18, 52, 0, 10, 40, // 31-40
	0, // 41
}

// header is what every event's 19-byte header carries besides its type
// and length.
type header struct {
	ts       uint32
	serverID uint32
	logPos   uint32 // the position after the event (0: none, artificial)
	flags    uint16
}

// event frames body as an event of typ, with its CRC32.
func event(typ byte, h header, body []byte) []byte {
	n := headerLen + len(body) + checksumLen
	b := make([]byte, headerLen, n)
	binary.LittleEndian.PutUint32(b[0:], h.ts)
	b[4] = typ
	binary.LittleEndian.PutUint32(b[5:], h.serverID)
	binary.LittleEndian.PutUint32(b[9:], uint32(n))
	binary.LittleEndian.PutUint32(b[13:], h.logPos)
	binary.LittleEndian.PutUint16(b[17:], h.flags)
	b = append(b, body...)
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

// eventSize is the size of an event of a body of n bytes.
func eventSize(n int) int { return headerLen + n + checksumLen }

// rotateBody names the file the stream reads and the position in it.
func rotateBody(pos uint64) []byte {
	return append(binary.LittleEndian.AppendUint64(nil, pos), File...)
}

// formatDescBody says how the events after it are laid out.
func formatDescBody(created uint32) []byte {
	b := binary.LittleEndian.AppendUint16(nil, 4)
	v := make([]byte, 50)
	copy(v, ServerVersion)
	b = append(b, v...)
	b = binary.LittleEndian.AppendUint32(b, created)
	b = append(b, headerLen)
	b = append(b, postHeaderLens...)
	return append(b, checksumAlgCRC32)
}

// interval is [lo, hi] of one server uuid's transaction numbers.
type interval struct{ lo, hi int64 }

// previousGTIDsBody is the set of transactions before the file's first:
// per uuid, its intervals as [start, end).
func previousGTIDsBody(sets map[[16]byte][]interval) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(sets)))
	for _, sid := range sortedSIDs(sets) {
		b = append(b, sid[:]...)
		b = binary.LittleEndian.AppendUint64(b, uint64(len(sets[sid])))
		for _, iv := range sets[sid] {
			b = binary.LittleEndian.AppendUint64(b, uint64(iv.lo))
			b = binary.LittleEndian.AppendUint64(b, uint64(iv.hi+1))
		}
	}
	return b
}

// gtidBody is a transaction's GTID_EVENT: not standalone (a BEGIN
// follows), logical clock with each transaction depending on the one
// before it (the log is sequential).
func gtidBody(sid [16]byte, gno int64) []byte {
	b := []byte{0}
	b = append(b, sid[:]...)
	b = binary.LittleEndian.AppendUint64(b, uint64(gno))
	b = append(b, 2) // logical timestamps follow
	b = binary.LittleEndian.AppendUint64(b, uint64(gno-1))
	return binary.LittleEndian.AppendUint64(b, uint64(gno))
}

// queryBody is a QUERY_EVENT of q in database db (BEGIN opens each
// transaction), with the status variables a row-based transaction's
// BEGIN carries: none needed.
func queryBody(db, q string) []byte {
	b := make([]byte, 13)
	// thread id 0, exec time 0, db length, error code 0, status vars 0.
	b[8] = byte(len(db))
	b = append(b, db...)
	b = append(b, 0)
	return append(b, q...)
}

// xidBody commits a transaction.
func xidBody(xid uint64) []byte { return binary.LittleEndian.AppendUint64(nil, xid) }
