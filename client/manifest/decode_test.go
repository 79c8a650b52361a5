package manifest

import (
	"errors"
	"reflect"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/scatterbytes/scatterbytes/internal/wire"
)

// without re-encodes b leaving out the fields f drops.
func without(t *testing.T, b []byte, drop func(num protowire.Number) bool) []byte {
	t.Helper()
	var out []byte
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		l := protowire.ConsumeFieldValue(num, typ, b[n:])
		if l < 0 {
			t.Fatal("bad test input")
		}
		if !drop(num) {
			out = append(out, b[:n+l]...)
		}
		b = b[n+l:]
	}
	return out
}

func TestDecodeRootRefuses(t *testing.T) {
	m := testManifest(t, 3<<20, 4, 2, 2)
	good := encodeRoot(m, nil)
	good = good[:len(good):len(good)] // cases append to it
	sha, _ := mh.Sum([]byte("x"), mh.SHA2_256, -1)
	shaCID := cid.NewCidV1(cid.Raw, sha)
	withStripes := func(mod func(m *Manifest)) []byte {
		c := testManifest(t, 3<<20, 4, 2, 2)
		mod(c)
		return encodeRoot(c, nil)
	}
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"truncated", good[:len(good)-3]},
		{"garbage", []byte{0xff, 0xff, 0xff}},
		{"no version", without(t, good, func(n protowire.Number) bool { return n == fVersion })},
		{"no m", without(t, good, func(n protowire.Number) bool { return n == fM })},
		{"no stripes", without(t, good, func(n protowire.Number) bool { return n == fStripes })},
		{"version 2", wire.AppendUint(without(t, good, func(n protowire.Number) bool { return n == fVersion }), fVersion, 2)},
		{"size twice", wire.AppendUint(good, fSize, 1)},
		{"name as varint", wire.AppendUint(good, fName, 1)},
		{"k as bytes", wire.AppendBytes(without(t, good, func(n protowire.Number) bool { return n == fK }), fK, []byte{4})},
		{"size mismatch", wire.AppendUint(without(t, good, func(n protowire.Number) bool { return n == fSize }), fSize, 1)},
		{"huge size", wire.AppendUint(without(t, good, func(n protowire.Number) bool { return n == fSize }), fSize, 1<<63)},
		{"compressed 2", wire.AppendUint(good, fCompressed, 2)},
		{"extra stripe", appendStripe(good, fStripes, &m.Stripes[0])},
		{"inline and lists", wire.AppendBytes(good, fStripeLists, m.Stripes[0].Shards[0].ID.Bytes())},
		{"bad list CID", wire.AppendBytes(without(t, good, func(n protowire.Number) bool { return n == fStripes }), fStripeLists, []byte{1, 2, 3})},
		{"sha256 shard CID", withStripes(func(c *Manifest) { c.Stripes[0].Shards[1].ID = shaCID })},
		{"short stripe", withStripes(func(c *Manifest) { c.Stripes[0].Shards = c.Stripes[0].Shards[:5] })},
		{"long stripe", withStripes(func(c *Manifest) { c.Stripes[0].Shards = append(c.Stripes[0].Shards, c.Stripes[0].Shards[0]) })},
		{"17 holders", withStripes(func(c *Manifest) {
			h := c.Stripes[0].Shards[0].Holders[0]
			for len(c.Stripes[0].Shards[0].Holders) < 17 {
				c.Stripes[0].Shards[0].Holders = append(c.Stripes[0].Shards[0].Holders, h)
			}
		})},
		{"empty holder", withStripes(func(c *Manifest) { c.Stripes[0].Shards[0].Holders = [][]byte{{}} })},
		{"long name", withStripes(func(c *Manifest) { c.Name = string(make([]byte, MaxNameLen+1)) })},
		{"shard size too big", withStripes(func(c *Manifest) { c.ShardSize *= 2 })},
		{"data and stripes", appendStripe(encodeRoot(inlineManifest(t, 3000, 4, 2), nil), fStripes, &m.Stripes[0])},
		{"data and lists", wire.AppendBytes(encodeRoot(inlineManifest(t, 3000, 4, 2), nil), fStripeLists, m.Stripes[0].Shards[0].ID.Bytes())},
		{"data short", func() []byte {
			c := inlineManifest(t, 3000, 4, 2)
			c.Data = c.Data[1:]
			return encodeRoot(c, nil)
		}()},
		{"data over MaxData", func() []byte {
			c := inlineManifest(t, MaxData, 4, 2) // sealed, more than MaxData
			return encodeRoot(c, nil)
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := decodeRoot(tc.b)
			if !errors.Is(err, ErrBadManifest) {
				t.Fatalf("err = %v, want ErrBadManifest", err)
			}
			t.Log(err)
		})
	}
}

func TestDecodeSkipsUnknownFields(t *testing.T) {
	m := testManifest(t, 3<<20, 4, 2, 2)
	b := encodeRoot(m, nil)
	b = wire.AppendUint(b, 99, 7)
	b = wire.AppendBytes(b, 100, []byte("future"))
	b = protowire.AppendTag(b, 101, protowire.Fixed32Type)
	b = protowire.AppendFixed32(b, 1)
	got, _, err := decodeRoot(b)
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Fatalf("unknown fields: %v", err)
	}
}

func TestDecodeListRefuses(t *testing.T) {
	m := testManifest(t, 3<<20, 4, 2, 0)
	good := encodeList(0, m.Stripes)
	good = good[:len(good):len(good)] // cases append to it
	if first, s, err := decodeList(good, 6, len(m.Stripes)); err != nil || first != 0 || len(s) != len(m.Stripes) {
		t.Fatalf("good list: %v", err)
	}
	for _, tc := range []struct {
		name string
		b    []byte
		max  int
	}{
		{"more stripes than left", good, len(m.Stripes) - 1},
		{"no first", without(t, good, func(n protowire.Number) bool { return n == fListFirst }), 10},
		{"version 0", wire.AppendUint(without(t, good, func(n protowire.Number) bool { return n == fListVersion }), fListVersion, 0), 10},
		{"first twice", wire.AppendUint(good, fListFirst, 0), 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := decodeList(tc.b, 6, tc.max); !errors.Is(err, ErrBadManifest) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}
