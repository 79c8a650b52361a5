package catalog

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ipfs/go-cid"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/scatterbytes/scatterbytes/client/keys"
)

// decodeEntry parses and validates an Entry message. Errors wrap
// ErrCorrupt.
func decodeEntry(b []byte) (Entry, error) {
	e, err := parseEntry(b)
	if err == nil {
		err = e.validate()
	}
	if err != nil {
		return Entry{}, fmt.Errorf("%w: entry: %v", ErrCorrupt, err)
	}
	return e, nil
}

// required lists the fields an entry must carry.
var required = []protowire.Number{fVolume, fName, fManifest, fKey, fSize, fRedundancy}

func parseEntry(b []byte) (Entry, error) {
	var e Entry
	if len(b) > maxEntrySize {
		return e, fmt.Errorf("%d bytes is over the %d byte limit", len(b), maxEntrySize)
	}
	seen := map[protowire.Number]bool{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return e, protowire.ParseError(n)
		}
		b = b[n:]
		if num > fCreated || num < fVolume {
			if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
				return e, fmt.Errorf("field %d: %v", num, protowire.ParseError(n))
			}
			b = b[n:]
			continue
		}
		if seen[num] {
			return e, fmt.Errorf("field %d given twice", num)
		}
		seen[num] = true
		n, err := parseField(&e, num, typ, b)
		if err != nil {
			return e, fmt.Errorf("field %d: %w", num, err)
		}
		b = b[n:]
	}
	for _, num := range required {
		if !seen[num] {
			return e, fmt.Errorf("field %d missing", num)
		}
	}
	return e, nil
}

var errWireType = errors.New("wrong wire type")

// parseField decodes one known field into e and returns the bytes
// consumed.
func parseField(e *Entry, num protowire.Number, typ protowire.Type, b []byte) (int, error) {
	if num == fSize || num == fCreated {
		if typ != protowire.VarintType {
			return 0, errWireType
		}
		v, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return 0, protowire.ParseError(n)
		}
		switch {
		case num == fCreated:
			e.Created = createdTime(protowire.DecodeZigZag(v))
		case !sizeOK(v):
			return 0, fmt.Errorf("size %d does not fit an int64", v)
		default:
			e.Size = int64(v)
		}
		return n, nil
	}
	if typ != protowire.BytesType {
		return 0, errWireType
	}
	v, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return 0, protowire.ParseError(n)
	}
	var err error
	switch num {
	case fVolume:
		e.Volume = string(v)
	case fName:
		e.Name = string(v)
	case fRedundancy:
		e.Redundancy = string(v)
	case fManifest:
		e.Ref.Manifest, err = cid.Cast(v)
	case fKey:
		e.Ref.Key, err = keys.FileKeyFromBytes(v)
	}
	return n, err
}

// createdTime turns stored milliseconds back into a time; year 1 is the
// zero time, i.e. unknown.
func createdTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// sizeOK reports whether a stored size fits an int64.
func sizeOK(v uint64) bool { return v <= math.MaxInt64 }
