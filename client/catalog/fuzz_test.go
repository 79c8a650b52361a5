package catalog

import (
	"reflect"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

func FuzzDecodeEntry(f *testing.F) {
	full := testEntry(f, DefaultVolume, "photos/2026/a.jpg")
	f.Add(encodeEntry(&full))
	noTime := testEntry(f, "v", "n")
	noTime.Created = time.Time{}
	f.Add(encodeEntry(&noTime))
	// An unknown field, which readers skip.
	f.Add(protowire.AppendString(protowire.AppendTag(encodeEntry(&full), 99, protowire.BytesType), "later"))
	// A field given twice, which readers reject.
	f.Add(protowire.AppendVarint(protowire.AppendTag(encodeEntry(&full), fSize, protowire.VarintType), 1))
	// A creation time of year 1 decodes as unknown (the zero time).
	year1 := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	f.Add(protowire.AppendVarint(protowire.AppendTag(encodeEntry(&noTime), fCreated, protowire.VarintType), protowire.EncodeZigZag(year1)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeEntry(b)
		if err != nil {
			return
		}
		if err := e.validate(); err != nil {
			t.Fatalf("decoded an invalid entry: %v", err)
		}
		// Whatever decodes re-encodes to something that decodes the same.
		e2, err := decodeEntry(encodeEntry(&e))
		if err != nil || !reflect.DeepEqual(e, e2) {
			t.Fatalf("re-encoding changed the entry: %v", err)
		}
	})
}
