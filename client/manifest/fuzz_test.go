package manifest

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// splitPlain returns the plaintexts of a manifest sealed with a small
// chunk limit: a root listing stripe lists, then the lists.
func splitPlain(f *testing.F) [][]byte {
	key := fixedKey(f, 1)
	_, chunks, err := seal(testManifest(f, 40<<20, 4, 2, 1), key, 1024)
	if err != nil {
		f.Fatal(err)
	}
	var out [][]byte
	for j, c := range chunks {
		p, err := openChunk(key, j, c.ID, c.Data)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func FuzzDecodeManifest(f *testing.F) {
	f.Add(encodeRoot(testManifest(f, 1000, 4, 2, 1), nil))
	f.Add(encodeRoot(testManifest(f, 0, 1, 2, 0), nil))
	f.Add(splitPlain(f)[0])
	// A creation time of year 1 decodes as unknown (the zero time).
	zeroTime := testManifest(f, 0, 1, 2, 0)
	zeroTime.Created = time.Time{}
	year1 := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	f.Add(protowire.AppendVarint(protowire.AppendTag(encodeRoot(zeroTime, nil), fCreated, protowire.VarintType), protowire.EncodeZigZag(year1)))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, lists, err := decodeRoot(b)
		if err != nil {
			return
		}
		// Whatever decodes re-encodes to something that decodes the same.
		m2, lists2, err := decodeRoot(encodeRoot(m, lists))
		if err != nil || !reflect.DeepEqual(m, m2) || !reflect.DeepEqual(lists, lists2) {
			t.Fatalf("re-encoding changed the manifest: %v", err)
		}
		if lists == nil {
			if err := m.Validate(); err != nil {
				t.Fatalf("decoded an invalid manifest: %v", err)
			}
		}
	})
}

func FuzzDecodeStripeList(f *testing.F) {
	for _, p := range splitPlain(f)[1:] {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		first, stripes, err := decodeList(b, 6, 100)
		if err != nil {
			return
		}
		f2, s2, err := decodeList(encodeList(first, stripes), 6, 100)
		if err != nil || f2 != first || !reflect.DeepEqual(stripes, s2) {
			t.Fatalf("re-encoding changed the list: %v", err)
		}
	})
}

func FuzzOpenChunk(f *testing.F) {
	key := fixedKey(f, 1)
	_, chunks, _ := seal(testManifest(f, 1000, 4, 2, 1), key, MaxChunkSize)
	f.Add(chunks[0].Data)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		// The ID is computed from data, as a hostile storer holding the
		// reference's own chunk could not do: this exercises the opener.
		id := chunks[0].ID
		if string(data) != string(chunks[0].Data) {
			id = sumID(data)
		}
		plain, err := openChunk(key, 0, id, data)
		if err == nil {
			decodeRoot(plain)
		}
	})
}

func FuzzParseRef(f *testing.F) {
	f.Add(testRef(f).Encode())
	f.Add("sb1")
	f.Add("SB1AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRef(s)
		if err != nil {
			return
		}
		enc := r.Encode()
		if enc != strings.ToLower(strings.TrimSpace(s)) {
			t.Fatalf("ParseRef accepted %q, which encodes back as %q", s, enc)
		}
	})
}
