package manifest

import (
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/scatterbytes/scatterbytes/internal/wire"
	"github.com/scatterbytes/scatterbytes/store"
)

// Decoders go through package wire's policy with the schemas of
// schema.go; what is left here are the manifest's own rules.

// decodeRoot parses a root chunk's plaintext into the manifest (with its
// stripes if inline) and the CIDs of its stripe lists.
func decodeRoot(b []byte) (*Manifest, []cid.Cid, error) {
	m := &Manifest{}
	var inline int
	var lists []cid.Cid
	// Pass 1: everything but the stripes, so their count can be checked
	// against the layout before anything is allocated for them.
	err := rootSchema.Decode(b, func(f *wire.Field, v wire.Value) error {
		switch f.Num {
		case fStripes:
			inline++
		case fStripeLists:
			id, err := decodeID(v)
			if err != nil {
				return fmt.Errorf("stripe list %d: %w", len(lists), err)
			}
			lists = append(lists, id)
		default:
			return m.setHeader(f.Num, v)
		}
		return nil
	})
	if err != nil {
		return nil, nil, bad("%v", err)
	}
	if err := m.validateHeader(); err != nil {
		return nil, nil, err
	}
	want := m.Layout().Stripes()
	switch {
	case m.Inline() && (inline > 0 || len(lists) > 0):
		return nil, nil, bad("both data and stripes")
	case m.Inline():
		return m, nil, nil
	case inline > 0 && len(lists) > 0:
		return nil, nil, bad("both inline stripes and stripe lists")
	case len(lists) == 0 && inline != want:
		return nil, nil, bad("%d stripes, layout has %d", inline, want)
	case len(lists) > want:
		return nil, nil, bad("%d stripe lists for %d stripes", len(lists), want)
	}
	if inline == 0 {
		return m, lists, nil
	}
	if err := m.decodeInline(b, inline); err != nil {
		return nil, nil, err
	}
	return m, nil, nil
}

// decodeInline is decodeRoot's second pass: the n inline stripes of root
// b, which the first pass checked.
func (m *Manifest) decodeInline(b []byte, n int) error {
	m.Stripes = make([]Stripe, 0, n)
	err := rootSchema.Decode(b, func(f *wire.Field, v wire.Value) error {
		if f.Num != fStripes {
			return nil
		}
		s, err := decodeStripe(v.Bytes(), m.K+m.M)
		if err != nil {
			return fmt.Errorf("stripe %d: %w", len(m.Stripes), err)
		}
		m.Stripes = append(m.Stripes, s)
		return nil
	})
	if err != nil {
		return bad("%v", err)
	}
	return nil
}

// setHeader sets one of the root's singular fields.
func (m *Manifest) setHeader(num protowire.Number, v wire.Value) error {
	switch num {
	case fVersion:
		if v.Uint() != Version {
			return fmt.Errorf("version %d, this reader knows %d", v.Uint(), Version)
		}
	case fName:
		m.Name = v.String()
	case fSize:
		m.Size = v.Int()
	case fCompressed:
		m.Compressed = v.Bool()
	case fSegmentSize:
		m.SegmentSize = int(v.Uint())
	case fCipherSize:
		m.CipherSize = v.Int()
	case fK:
		m.K = int(v.Uint())
	case fM:
		m.M = int(v.Uint())
	case fShardSize:
		m.ShardSize = v.Int()
	case fCreated:
		if t := time.UnixMilli(v.Int()); !t.IsZero() {
			m.Created = t // year 1 would re-encode as absent
		}
	case fContentType:
		m.ContentType = v.String()
	case fData:
		m.Data = v.Bytes()
	}
	return nil
}

// decodeList parses a stripe list chunk's plaintext; shards is K+M and
// maxStripes the most stripes it may hold.
func decodeList(b []byte, shards, maxStripes int) (first int, stripes []Stripe, err error) {
	err = listSchema.Decode(b, func(f *wire.Field, v wire.Value) error {
		switch f.Num {
		case fListVersion:
			if v.Uint() != Version {
				return fmt.Errorf("stripe list version %d, this reader knows %d", v.Uint(), Version)
			}
		case fListFirst:
			first = int(v.Uint())
		case fListStripes:
			if len(stripes) == maxStripes {
				return fmt.Errorf("stripe list holds more than the %d stripes left", maxStripes)
			}
			s, err := decodeStripe(v.Bytes(), shards)
			if err != nil {
				return fmt.Errorf("stripe %d: %w", first+len(stripes), err)
			}
			stripes = append(stripes, s)
		}
		return nil
	})
	if err != nil {
		return 0, nil, bad("%v", err)
	}
	return first, stripes, nil
}

func decodeStripe(b []byte, shards int) (Stripe, error) {
	s := Stripe{Shards: make([]Shard, 0, shards)}
	err := stripeSchema.Decode(b, func(_ *wire.Field, v wire.Value) error {
		if len(s.Shards) == shards {
			return fmt.Errorf("more than %d shards", shards)
		}
		sh, err := decodeShard(v.Bytes())
		if err != nil {
			return fmt.Errorf("shard %d: %w", len(s.Shards), err)
		}
		s.Shards = append(s.Shards, sh)
		return nil
	})
	if err == nil && len(s.Shards) != shards {
		err = fmt.Errorf("%d shards, want %d", len(s.Shards), shards)
	}
	return s, err
}

func decodeShard(b []byte) (Shard, error) {
	var sh Shard
	err := shardSchema.Decode(b, func(f *wire.Field, v wire.Value) (err error) {
		if f.Num == fShardID {
			sh.ID, err = decodeID(v)
		} else {
			sh.Holders = append(sh.Holders, v.Bytes())
		}
		return err
	})
	return sh, err
}

// decodeID reads a binary CID that must be a store chunk ID.
func decodeID(v wire.Value) (cid.Cid, error) {
	id, err := cid.Cast(v.Bytes())
	if err != nil {
		return cid.Undef, fmt.Errorf("not a CID: %w", err)
	}
	return id, store.CheckID(id)
}
