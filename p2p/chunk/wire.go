package chunk

import (
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/scatterbytes/scatterbytes/internal/wire"
)

// Encoders write varint and length-delimited fields in field order (also
// when zero), which makes the encoding of a message canonical. Decoders
// go through package wire's policy with the schemas of schema.go.

// appendTime writes t as milliseconds since the Unix epoch; the zero time
// (and anything before 1970) is 0.
func appendTime(b []byte, num protowire.Number, t time.Time) []byte {
	return wire.AppendUint(b, num, uint64(max(unixMilli(t), 0)))
}

func unixMilli(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// maxInt is the largest integer the decoders accept: far beyond any
// size or time, and safe to add to. The schemas cap integers at it.
const maxInt = 1 << 62

// maxUnixMilli is the start of year 10000: later times are not worth
// signing. The schemas cap times at it.
const maxUnixMilli = 253402300800000

// decodeTime reads milliseconds since the epoch; 0 is the zero time.
func decodeTime(v wire.Value) time.Time {
	if v.Uint() == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v.Int()).UTC()
}

// decodeBytes copies a length-delimited value out of the message.
func decodeBytes(v wire.Value) []byte { return append([]byte(nil), v.Bytes()...) }

// decodeCID reads a binary CID; empty is cid.Undef.
func decodeCID(v wire.Value) (cid.Cid, error) {
	if len(v.Bytes()) == 0 {
		return cid.Undef, nil
	}
	return cid.Cast(v.Bytes())
}

// decodePeer reads a binary peer ID; empty is "".
func decodePeer(v wire.Value) (peer.ID, error) {
	if len(v.Bytes()) == 0 {
		return "", nil
	}
	return peer.IDFromBytes(v.Bytes())
}

// malformed is a decoding failure of message what.
func malformed(what string, err error) error {
	return fmt.Errorf("decode %s: %w: %w", what, ErrBadMessage, err)
}

func cidBytes(c cid.Cid) []byte {
	if !c.Defined() {
		return nil
	}
	return c.Bytes()
}
