package disk

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/store"
)

// record is the per-chunk entry of the index; without LastScrub it is also
// the header of the chunk file, so the index can be rebuilt from the files.
// The encoding is specified in doc.go.
type record struct {
	Size      int64
	StoredAt  int64 // Unix nanoseconds
	LastScrub int64 // Unix nanoseconds, 0: never
	Meta      []byte
}

const (
	recordV1     = 1
	headerMagic  = "SBch"
	headerFixed  = len(headerMagic) + 2 // magic, uint16 record length
	recordFixed  = 1 + 8 + 8            // version, StoredAt, LastScrub
	maxRecordLen = recordFixed + 2*binary.MaxVarintLen64 + store.MaxMetaSize
)

func (r record) info(id cid.Cid) store.Info {
	info := store.Info{ID: id, Size: r.Size, Meta: r.Meta, StoredAt: time.Unix(0, r.StoredAt)}
	if r.LastScrub != 0 {
		info.LastScrub = time.Unix(0, r.LastScrub)
	}
	return info
}

// encodedLen is len(r.append(nil)).
func (r record) encodedLen() int {
	return recordFixed + uvarintLen(uint64(r.Size)) + uvarintLen(uint64(len(r.Meta))) + len(r.Meta)
}

// append appends the version 1 encoding of r to b.
func (r record) append(b []byte) []byte {
	b = append(b, recordV1)
	b = binary.AppendUvarint(b, uint64(r.Size))
	b = binary.BigEndian.AppendUint64(b, uint64(r.StoredAt))
	b = binary.BigEndian.AppendUint64(b, uint64(r.LastScrub))
	b = binary.AppendUvarint(b, uint64(len(r.Meta)))
	return append(b, r.Meta...)
}

// decodeRecord decodes a record, refusing anything but the one canonical
// encoding of a valid record. Meta aliases b.
func decodeRecord(b []byte) (record, error) {
	var r record
	if len(b) == 0 {
		return r, fmt.Errorf("%w: empty", ErrBadRecord)
	}
	if b[0] != recordV1 {
		return r, fmt.Errorf("%w: version %d", ErrBadRecord, b[0])
	}
	b = b[1:]
	size, b, err := uvarint(b, math.MaxInt64)
	if err != nil {
		return r, fmt.Errorf("%w: size: %v", ErrBadRecord, err)
	}
	if len(b) < 16 {
		return r, fmt.Errorf("%w: truncated times", ErrBadRecord)
	}
	r.Size = int64(size)
	r.StoredAt = int64(binary.BigEndian.Uint64(b))
	r.LastScrub = int64(binary.BigEndian.Uint64(b[8:]))
	metaLen, b, err := uvarint(b[16:], store.MaxMetaSize)
	if err != nil {
		return r, fmt.Errorf("%w: meta length: %v", ErrBadRecord, err)
	}
	if uint64(len(b)) != metaLen {
		return r, fmt.Errorf("%w: %d bytes of meta, header says %d", ErrBadRecord, len(b), metaLen)
	}
	if metaLen > 0 {
		r.Meta = b
	}
	return r, nil
}

// uvarint reads a minimally encoded uvarint no larger than limit.
func uvarint(b []byte, limit uint64) (uint64, []byte, error) {
	v, n := binary.Uvarint(b)
	switch {
	case n <= 0:
		return 0, nil, fmt.Errorf("bad varint")
	case n != uvarintLen(v):
		return 0, nil, fmt.Errorf("varint not minimal")
	case v > limit:
		return 0, nil, fmt.Errorf("%d exceeds %d", v, limit)
	}
	return v, b[n:], nil
}

func uvarintLen(v uint64) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
}

// header returns the file header of a chunk: magic, record length, record
// (LastScrub left out: the file is written once).
func (r record) header() []byte {
	r.LastScrub = 0
	b := make([]byte, headerFixed, headerFixed+r.encodedLen())
	copy(b, headerMagic)
	binary.BigEndian.PutUint16(b[len(headerMagic):], uint16(r.encodedLen()))
	return r.append(b)
}

// headerLen is len(r.header()): where the chunk bytes start in its file.
func (r record) headerLen() int64 { return int64(headerFixed + r.encodedLen()) }

// charge is the size of the chunk's file, what it costs against capacity.
func (r record) charge() int64 { return r.headerLen() + r.Size }

// decodeHeader decodes a file header from the start of b, returning the
// record and the header length.
func decodeHeader(b []byte) (record, int, error) {
	if len(b) < headerFixed || string(b[:len(headerMagic)]) != headerMagic {
		return record{}, 0, fmt.Errorf("%w: no chunk file header", ErrBadRecord)
	}
	n := int(binary.BigEndian.Uint16(b[len(headerMagic):]))
	if n > maxRecordLen || len(b) < headerFixed+n {
		return record{}, 0, fmt.Errorf("%w: header length %d", ErrBadRecord, n)
	}
	r, err := decodeRecord(b[headerFixed : headerFixed+n])
	if err != nil {
		return record{}, 0, err
	}
	if r.LastScrub != 0 {
		return record{}, 0, fmt.Errorf("%w: scrub time in a file header", ErrBadRecord)
	}
	return r, headerFixed + n, nil
}
