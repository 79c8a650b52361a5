package store

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

func TestSumMatchesMultihashBLAKE3(t *testing.T) {
	// go-multihash's own test vector for BLAKE3-256 of "foo".
	want := "1e2004e0bb39f30b1a3feb89f536c93be15055482df748674b00d26e5a75777702e9"
	id := Sum([]byte("foo"))
	if got := hex.EncodeToString(id.Hash()); got != want {
		t.Fatalf("multihash = %s, want %s", got, want)
	}
	h := NewHasher()
	h.Write([]byte("f"))
	h.Write([]byte("oo"))
	if !h.ID().Equals(id) {
		t.Fatalf("streaming hasher = %s, want %s", h.ID(), id)
	}
	back, err := ParseID(id.String())
	if err != nil || !back.Equals(id) {
		t.Fatalf("ParseID(%s) = %s, %v", id, back, err)
	}
}

func TestCheckIDRefusesOthers(t *testing.T) {
	sha, _ := mh.Sum([]byte("foo"), mh.SHA2_256, -1)
	short, _ := mh.Encode(make([]byte, 16), mh.BLAKE3)
	b3, _ := mh.Sum([]byte("foo"), mh.BLAKE3, 32)
	for _, tc := range []struct {
		name string
		id   cid.Cid
	}{
		{"undefined", cid.Undef},
		{"sha256", cid.NewCidV1(cid.Raw, sha)},
		{"v0", cid.NewCidV0(sha)},
		{"dag-pb codec", cid.NewCidV1(cid.DagProtobuf, b3)},
		{"short blake3", cid.NewCidV1(cid.Raw, short)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := CheckID(tc.id); !errors.Is(err, ErrBadID) {
				t.Fatalf("CheckID = %v, want ErrBadID", err)
			}
		})
	}
	if _, err := ParseID("not-a-cid"); !errors.Is(err, ErrBadID) {
		t.Fatalf("ParseID garbage = %v", err)
	}
}
