package disk

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/scatterbytes/scatterbytes/store"

	"github.com/scatterbytes/scatterbytes/internal/golden"
)

// goldenRecord is the record the golden files hold.
var goldenRecord = record{
	Size:      4 << 20,
	StoredAt:  1767225600_000000000, // 2026-01-01T00:00:00Z
	LastScrub: 1767312000_000000000,
	Meta:      []byte("storage order"),
}

func TestRecordGolden(t *testing.T) {
	for _, tc := range []struct {
		file string
		got  []byte
	}{
		{"record-v1.hex", goldenRecord.append(nil)},
		{"header-v1.hex", goldenRecord.header()},
	} {
		t.Run(tc.file, func(t *testing.T) {
			golden.Check(t, tc.file, []byte(hex.EncodeToString(tc.got)+"\n"))
		})
	}
	// Both golden files decode to the record (less LastScrub in the header).
	rec, err := decodeRecord(goldenRecord.append(nil))
	if err != nil || !equalRecord(rec, goldenRecord) {
		t.Fatalf("decode golden record = %+v, %v", rec, err)
	}
	hdr, n, err := decodeHeader(append(goldenRecord.header(), "chunk bytes"...))
	want := goldenRecord
	want.LastScrub = 0
	if err != nil || !equalRecord(hdr, want) || int64(n) != goldenRecord.headerLen() {
		t.Fatalf("decode golden header = %+v, %d, %v", hdr, n, err)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		rec  record
	}{
		{"zero", record{}},
		{"empty chunk with meta", record{Size: 0, StoredAt: 1, Meta: []byte{0}}},
		{"max meta", record{Size: 1 << 40, StoredAt: -1, LastScrub: 5, Meta: bytes.Repeat([]byte{7}, store.MaxMetaSize)}},
		{"max size", record{Size: 1<<63 - 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.rec.append(nil)
			if len(b) != tc.rec.encodedLen() {
				t.Fatalf("encodedLen = %d, encoding is %d bytes", tc.rec.encodedLen(), len(b))
			}
			got, err := decodeRecord(b)
			if err != nil || !equalRecord(got, tc.rec) {
				t.Fatalf("decode(encode(%+v)) = %+v, %v", tc.rec, got, err)
			}
		})
	}
}

func TestDecodeRecordRefuses(t *testing.T) {
	good := goldenRecord.append(nil)
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"version 0", append([]byte{0}, good[1:]...)},
		{"version 2", append([]byte{2}, good[1:]...)},
		{"truncated", good[:len(good)-1]},
		{"trailing byte", append(bytes.Clone(good), 0)},
		{"overlong size varint", []byte{1, 0x80, 0x00}},
		{"size over int64", append([]byte{1}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)},
		{"meta too long", record{Meta: make([]byte, store.MaxMetaSize+1)}.append(nil)},
		{"no times", []byte{1, 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := decodeRecord(tc.b); !errors.Is(err, ErrBadRecord) {
				t.Fatalf("decodeRecord = %v, want ErrBadRecord", err)
			}
		})
	}
}

// FuzzDecodeRecord checks that the decoder never panics, and that what it
// accepts is canonical: it encodes back to the same bytes.
func FuzzDecodeRecord(f *testing.F) {
	f.Add(goldenRecord.append(nil))
	f.Add(record{}.append(nil))
	f.Add([]byte{1, 0x80, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := decodeRecord(b)
		if err != nil {
			return
		}
		if again := rec.append(nil); !bytes.Equal(again, b) {
			t.Fatalf("accepted a non-canonical encoding:\n in %x\nout %x", b, again)
		}
		if rec.Size < 0 || len(rec.Meta) > store.MaxMetaSize {
			t.Fatalf("accepted an invalid record %+v", rec)
		}
	})
}

// FuzzDecodeHeader does the same for chunk file headers.
func FuzzDecodeHeader(f *testing.F) {
	f.Add(goldenRecord.header())
	f.Add([]byte(headerMagic + "\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, n, err := decodeHeader(b)
		if err != nil {
			return
		}
		if !bytes.Equal(rec.header(), b[:n]) {
			t.Fatalf("accepted a non-canonical header %x", b[:n])
		}
	})
}

func equalRecord(a, b record) bool {
	return a.Size == b.Size && a.StoredAt == b.StoredAt && a.LastScrub == b.LastScrub && bytes.Equal(a.Meta, b.Meta)
}
