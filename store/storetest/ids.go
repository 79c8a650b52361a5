package storetest

import (
	"bytes"
	"slices"

	"github.com/ipfs/go-cid"
)

func sortIDs(ids []cid.Cid) {
	slices.SortFunc(ids, func(a, b cid.Cid) int { return bytes.Compare(a.Bytes(), b.Bytes()) })
}

func equalIDs(a, b []cid.Cid) bool {
	return slices.EqualFunc(a, b, func(x, y cid.Cid) bool { return x.Equals(y) })
}
